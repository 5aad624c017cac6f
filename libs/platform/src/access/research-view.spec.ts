import { identifyingSearchKey, ResearchView } from './research-view';

describe('ResearchView', () => {
  const view = new ResearchView('a secret of sixteen+ chars', 'st-mary');

  it('gives each patient one pseudonym in a tenant, another in another tenant', () => {
    const patient = { id: 'MRN-7', issuer: 'HOSP' };
    expect(view.pseudonym(patient)).toMatch(/^P[0-9A-F]{15}$/);
    expect(view.pseudonym(patient)).toBe(new ResearchView('a secret of sixteen+ chars', 'st-mary').pseudonym({ ...patient }));
    expect(view.pseudonym(patient)).not.toBe(new ResearchView('a secret of sixteen+ chars', 'st-jude').pseudonym(patient));
    expect(view.pseudonym(patient)).not.toBe(view.pseudonym({ id: 'MRN-7', issuer: 'OTHER' }));
  });

  it('de-identifies a match, keeping its UIDs so that the researcher can retrieve it', async () => {
    const match = {
      '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Doe^Jane' }] },
      '00100020': { vr: 'LO' as const, Value: ['MRN-7'] },
      '00100030': { vr: 'DA' as const, Value: ['19700101'] },
      '0020000D': { vr: 'UI' as const, Value: ['1.2.3.4'] },
    };
    const seen = await view.attributes(match);
    expect(JSON.stringify(seen)).not.toMatch(/Doe|MRN-7|19700101/);
    expect(seen['0020000D']?.Value).toEqual(['1.2.3.4']);
    expect(seen['00100020']?.Value).toEqual([view.pseudonym({ id: 'MRN-7' })]);
    expect(seen['00120062']?.Value).toEqual(['YES']);
  });

  it('lets a search through the view filter on UIDs, modality and SOP class only', () => {
    expect(identifyingSearchKey([['StudyInstanceUID', '1.2'], ['ModalitiesInStudy', 'CT'], ['limit', '10'], ['includefield', 'all']])).toBeUndefined();
    expect(identifyingSearchKey([['00080060', 'MR']])).toBeUndefined();
    expect(identifyingSearchKey([['Modality', 'CT'], ['PatientName', 'Doe*']])).toBe('PatientName');
    expect(identifyingSearchKey([['00100020', 'MRN-7']])).toBe('00100020');
    expect(identifyingSearchKey([['StudyDate', '20260101-']])).toBe('StudyDate');
  });
});
