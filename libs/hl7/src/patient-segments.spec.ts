import { readWith } from './content-problem';
import type { Hl7Message } from './hl7-message';
import { parseMessage } from './parse-message';
import { applyPatientUpdate, readPatient } from './patient-segments';

const message = (...segments: string[]): Hl7Message => {
  const parsed = parseMessage(Buffer.from(['MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A08^ADT_A01|C1|P|2.5.1||||||UNICODE UTF-8', ...segments].join('\r'), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.message;
};

describe('readPatient (PID, HL7 v2.5.1 3.4.2, to DICOM patient attributes)', () => {
  it('maps PID-3 with its assigning authority, PID-5 to a PN with ^ components, PID-7 date and time, PID-8 sex', () => {
    const update = readPatient(message('EVN|A08', 'PID|1||PAT-1^^^HOSP&1.2.3&ISO^MR~SSN-9^^^SSA||EVERYMAN^ADAM^A^JR^DR^^L|SMITH^EVE|19610615083000|M'));
    expect(update.identity).toEqual({ patientID: 'PAT-1', issuerOfPatientID: 'HOSP' });
    expect(update.sequence).toBe(3);
    expect(update.set).toEqual({
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'EVERYMAN^ADAM^A^DR^JR' }] },
      '00100020': { vr: 'LO', Value: ['PAT-1'] },
      '00100021': { vr: 'LO', Value: ['HOSP'] },
      '00100030': { vr: 'DA', Value: ['19610615'] },
      '00100032': { vr: 'TM', Value: ['083000'] },
      '00100040': { vr: 'CS', Value: ['M'] },
      '00101060': { vr: 'PN', Value: [{ Alphabetic: 'SMITH^EVE' }] },
    });
    expect(update.remove).toEqual([]);
  });

  it('takes the universal ID when the assigning authority has no namespace ID, and no issuer when there is none', () => {
    expect(readPatient(message('PID|1||P2^^^&1.2.3.4&ISO')).identity).toEqual({ patientID: 'P2', issuerOfPatientID: '1.2.3.4' });
    expect(readPatient(message('PID|1||P3')).identity).toEqual({ patientID: 'P3', issuerOfPatientID: '' });
  });

  it('keeps ideographic and phonetic names apart (XPN.8), and maps sex per HL7 Table 0001', () => {
    const update = readPatient(message('PID|1||P4||Yamada^Tarou^^^^^L^A~山田^太郎^^^^^L^I~やまだ^たろう^^^^^L^P||19700101|U'));
    expect(update.set['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }] });
    expect(update.remove).toEqual(['00100040']);
    for (const [code, sex] of [['F', 'F'], ['O', 'O'], ['A', 'O'], ['N', 'O']]) expect(readPatient(message(`PID|1||P||X^Y||19700101|${code}`)).set['00100040']).toEqual({ vr: 'CS', Value: [sex] });
  });

  it('leaves what an empty field does not say, and deletes what "" deletes', () => {
    const update = readPatient(message('PID|1||P5||""||""'));
    expect(update.set).toEqual({ '00100020': { vr: 'LO', Value: ['P5'] } });
    expect(update.remove).toEqual(['00100010', '00100030', '00100032']);
    const current = { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: 'Old' }] }, '00100040': { vr: 'CS' as const, Value: ['F'] } };
    expect(applyPatientUpdate(current, update)).toEqual({ '00100020': { vr: 'LO', Value: ['P5'] }, '00100040': { vr: 'CS', Value: ['F'] } });
  });

  it('names the segment, field and reason of what it cannot read', () => {
    const failure = (pid: string) => {
      const result = readWith(() => readPatient(message('EVN|A08', pid)));
      if (result.ok) throw new Error('expected a problem');
      return result.problem;
    };
    expect(failure('PID|1||^^^HOSP')).toEqual({ condition: 'required-field-missing', location: { segment: 'PID', sequence: 3, field: 3 }, message: 'PID-3 (patient identifier list) has no ID; it is required' });
    expect(failure('PID|1||P||X||19611315')).toMatchObject({ condition: 'data-type-error', location: { segment: 'PID', sequence: 3, field: 7 } });
    expect(failure('PID|1||P||X||1961')).toMatchObject({ condition: 'data-type-error', message: 'PID-7 "1961" is not a date of birth YYYYMMDD[HHMM[SS]]' });
    expect(failure('PID|1||P||X|||Q')).toMatchObject({ condition: 'table-value-not-found', location: { segment: 'PID', sequence: 3, field: 8 } });
    expect(failure('PID|1||P||A=B')).toMatchObject({ condition: 'data-type-error', location: { field: 5 } });
    const missing = readWith(() => readPatient(message('EVN|A08')));
    expect(!missing.ok && missing.problem).toEqual({ condition: 'segment-missing', location: { segment: 'PID', sequence: 1 }, message: 'the ADT^A08 message has no PID segment; it is required' });
  });
});
