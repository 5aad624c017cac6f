import { isValidUid, type DicomJsonDataset } from '@tessera/dicom';
import { DeidError, DeidErrorCode } from './deid.error';
import { deidentifyDataset, type DeidentifyRequest } from './deidentify-dataset.use-case';
import { MemoryDateShift } from './memory-date-shift.adapter';
import { MemoryUidMapper } from './memory-uid-mapper.adapter';
import { DeidOption } from './profile/deid-option';

const STUDY = '1.2.826.0.1.3680043.2.1125.1.1';
const SOP = '1.2.826.0.1.3680043.2.1125.1.1.1';
const OTHER_SOP = '1.2.826.0.1.3680043.2.1125.1.1.2';
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';

function sample(): DicomJsonDataset {
  return {
    '00080016': { vr: 'UI', Value: [CT_IMAGE] },
    '00080018': { vr: 'UI', Value: [SOP] },
    '00080020': { vr: 'DA', Value: ['20240301'] },
    '00080021': { vr: 'DA', Value: ['20240301'] },
    '00080030': { vr: 'TM', Value: ['101500'] },
    '00080050': { vr: 'SH', Value: ['ACC778812'] },
    '00080080': { vr: 'LO', Value: ['St Elsewhere Hospital'] },
    '00081030': { vr: 'LO', Value: ['CT CHEST W/O CONTRAST'] },
    '0008103E': { vr: 'LO', Value: ['Doe follow-up'] },
    '00081140': {
      vr: 'SQ',
      Value: [{ '00081150': { vr: 'UI', Value: [CT_IMAGE] }, '00081155': { vr: 'UI', Value: [OTHER_SOP] } }],
    },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] },
    '00100020': { vr: 'LO', Value: ['PID-4477'] },
    '00100030': { vr: 'DA', Value: ['19600512'] },
    '00100040': { vr: 'CS', Value: ['M'] },
    '00101010': { vr: 'AS', Value: ['063Y'] },
    '00101040': { vr: 'LO', Value: ['1 Main Street'] },
    '00181000': { vr: 'LO', Value: ['SN-99812'] },
    '0020000D': { vr: 'UI', Value: [STUDY] },
    '00290010': { vr: 'LO', Value: ['ACME SAFE'] },
    '00291001': { vr: 'LO', Value: ['kernel B30f'] },
    '00291002': { vr: 'LO', Value: ['operator Smith'] },
    '00310010': { vr: 'LO', Value: ['OTHER VENDOR'] },
    '00311001': { vr: 'LO', Value: ['not listed'] },
    '00311011': { vr: 'LO', Value: ['listed'] },
    '00312001': { vr: 'LO', Value: ['stray'] },
    '00400275': { vr: 'SQ', Value: [{ '00401001': { vr: 'SH', Value: ['RP-1'] } }] },
    '0040A730': {
      vr: 'SQ',
      Value: [
        {
          '0040A040': { vr: 'CS', Value: ['TEXT'] },
          '0040A160': { vr: 'UT', Value: ['Nodule 4 mm, see prior of John Doe'] },
          '0040A123': { vr: 'PN', Value: [{ Alphabetic: 'Roe^Richard' }] },
        },
        { '0040A040': { vr: 'CS', Value: ['TEXT'] }, '0040A160': { vr: 'UT', Value: ['No change'] } },
      ],
    },
    '0040A075': { vr: 'PN', Value: [{ Alphabetic: 'Roe^Richard' }] },
    '60000010': { vr: 'US', Value: [512] },
    '60003000': { vr: 'OW', InlineBinary: 'AAAA' },
    '50000005': { vr: 'US', Value: [2] },
    '50002500': { vr: 'LO', Value: ['ECG lead II'] },
    '7FE00010': { vr: 'OW', BulkDataURI: 'bulk:0' },
  };
}

function request(options: DeidOption[] = [], extra: Partial<DeidentifyRequest> = {}): DeidentifyRequest {
  return { options, uidMapper: new MemoryUidMapper(), ...extra };
}

const value = (ds: DicomJsonDataset, key: string): unknown => ds[key]?.Value?.[0];

describe('deidentifyDataset: the Basic Profile (PS3.15 E.1.1, Table E.1-1)', () => {
  it('X removes attributes, private attributes and the curve and overlay groups', async () => {
    const out = await deidentifyDataset(sample(), request());
    for (const key of ['00101040', '00081030', '0008103E', '00101010', '00400275', '00290010', '00291001', '00310010', '00312001', '60000010', '60003000', '50000005']) {
      expect(out[key]).toBeUndefined();
    }
  });

  it('Z leaves an empty value, D a dummy one valid for the VR', async () => {
    const out = await deidentifyDataset(sample(), request());
    expect(out['00100010']).toEqual({ vr: 'PN' });
    expect(out['00080050']).toEqual({ vr: 'SH' });
    expect(out['00080020']).toEqual({ vr: 'DA' });
    expect(out['00100030']).toEqual({ vr: 'DA' });
    expect(out['0040A075']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'ANONYMIZED' }] });
    // Combined actions: X/D (Series Date) and X/Z/D (Device Serial Number) become D, Z/D (Patient ID) too.
    expect(out['00080021']).toEqual({ vr: 'DA', Value: ['19000101'] });
    expect(out['00181000']).toEqual({ vr: 'LO', Value: ['ANONYMIZED'] });
    expect(out['00100020']).toEqual({ vr: 'LO', Value: ['ANONYMIZED'] });
    // D on a sequence (Content Sequence): one empty item.
    expect(out['0040A730']).toEqual({ vr: 'SQ', Value: [{}] });
  });

  it('keeps what the table does not list, pixel data references included', async () => {
    const out = await deidentifyDataset(sample(), request());
    expect(value(out, '00080016')).toBe(CT_IMAGE);
    expect(value(out, '00080030')).toBeUndefined(); // Study Time is Z
    expect(out['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: 'bulk:0' });
  });

  it('U replaces UIDs, inside sequences too, with the same replacement for the same original', async () => {
    const mapper = new MemoryUidMapper();
    const first = await deidentifyDataset(sample(), request([], { uidMapper: mapper }));
    const other = sample();
    other['00080018'] = { vr: 'UI', Value: [OTHER_SOP] };
    const second = await deidentifyDataset(other, request([], { uidMapper: mapper }));
    const newSop = value(first, '00080018') as string;
    expect(newSop).not.toBe(SOP);
    expect(isValidUid(newSop)).toBe(true);
    expect(value(first, '0020000D')).toBe(value(second, '0020000D'));
    // X/Z/U*: the reference from the first instance points at the second's new SOP Instance UID.
    const reference = (first['00081140']?.Value?.[0] as DicomJsonDataset)['00081155']?.Value?.[0];
    expect(reference).toBe(value(second, '00080018'));
    expect((first['00081140']?.Value?.[0] as DicomJsonDataset)['00081150']?.Value?.[0]).toBe(CT_IMAGE);
  });

  it('records what was done (PS3.15 E.1.1, PS3.3 C.12.1.1.4)', async () => {
    const out = await deidentifyDataset(sample(), request([DeidOption.CleanDescriptors, DeidOption.RetainPatientCharacteristics]));
    expect(value(out, '00120062')).toBe('YES');
    expect(out['00120063']?.Value).toEqual(['Basic Application Confidentiality Profile', 'Clean Descriptors Option', 'Retain Patient Characteristics Option']);
    const codes = (out['00120064']?.Value as DicomJsonDataset[]).map((item) => [value(item, '00080100'), value(item, '00080102')]);
    expect(codes).toEqual([
      ['113100', 'DCM'],
      ['113105', 'DCM'],
      ['113108', 'DCM'],
    ]);
    expect(value(out, '00280303')).toBe('REMOVED');
  });

  it('adds to what an earlier de-identification recorded instead of losing it', async () => {
    const once = await deidentifyDataset(sample(), request([DeidOption.RetainUIDs]));
    const twice = await deidentifyDataset(once, request([DeidOption.CleanDescriptors]));
    const codes = (twice['00120064']?.Value as DicomJsonDataset[]).map((item) => value(item, '00080100'));
    expect(codes).toEqual(['113100', '113110', '113105']);
  });

  it('does not change the data set it was given', async () => {
    const input = sample();
    const copy = structuredClone(input);
    await deidentifyDataset(input, request([DeidOption.CleanStructuredContent]));
    expect(input).toEqual(copy);
  });
});

describe('deidentifyDataset: the options (PS3.15 E.3)', () => {
  it('Retain UIDs keeps every UID', async () => {
    const out = await deidentifyDataset(sample(), request([DeidOption.RetainUIDs]));
    expect(value(out, '00080018')).toBe(SOP);
    expect(value(out, '0020000D')).toBe(STUDY);
    expect((out['00081140']?.Value?.[0] as DicomJsonDataset)['00081155']?.Value?.[0]).toBe(OTHER_SOP);
  });

  it('Retain Device Identity, Institution Identity and Patient Characteristics keep their attributes', async () => {
    const out = await deidentifyDataset(
      sample(),
      request([DeidOption.RetainDeviceIdentity, DeidOption.RetainInstitutionIdentity, DeidOption.RetainPatientCharacteristics]),
    );
    expect(value(out, '00181000')).toBe('SN-99812');
    expect(value(out, '00080080')).toBe('St Elsewhere Hospital');
    expect(value(out, '00100040')).toBe('M');
    expect(value(out, '00101010')).toBe('063Y');
    expect(out['00100010']).toEqual({ vr: 'PN' });
  });

  it('Retain Longitudinal Temporal Information with Full Dates keeps dates and times', async () => {
    const out = await deidentifyDataset(sample(), request([DeidOption.RetainLongitudinalFullDates]));
    expect(value(out, '00080020')).toBe('20240301');
    expect(value(out, '00080030')).toBe('101500');
    expect(value(out, '00280303')).toBe('UNMODIFIED');
    // Patient's Birth Date has no option column: it stays Z.
    expect(out['00100030']).toEqual({ vr: 'DA' });
  });

  it('Retain Longitudinal Temporal Information with Modified Dates moves every date of a patient by the same offset', async () => {
    const dateShift = new MemoryDateShift([['patient:|PID-4477', -10]]);
    const out = await deidentifyDataset(sample(), request([DeidOption.RetainLongitudinalModifiedDates], { dateShift }));
    expect(value(out, '00080020')).toBe('20240220');
    expect(value(out, '00080021')).toBe('20240220');
    expect(value(out, '00080030')).toBe('101500');
    expect(value(out, '00280303')).toBe('MODIFIED');
  });

  it('Clean Descriptors keeps a descriptor that carries no identifier and removes one that does', async () => {
    const out = await deidentifyDataset(sample(), request([DeidOption.CleanDescriptors]));
    expect(value(out, '00081030')).toBe('CT CHEST W/O CONTRAST');
    expect(out['0008103E']).toBeUndefined(); // "Doe follow-up" names the patient: Series Description's X applies
    // Request Attributes Sequence is cleaned: its items go through the profile (Requested Procedure ID is X).
    expect(out['00400275']).toEqual({ vr: 'SQ', Value: [{}] });
  });

  it('Clean Structured Content cleans the text of Content Sequence instead of replacing it', async () => {
    const out = await deidentifyDataset(sample(), request([DeidOption.CleanStructuredContent]));
    const items = out['0040A730']?.Value as DicomJsonDataset[];
    expect(items).toHaveLength(2);
    expect(items[0]?.['0040A160']).toEqual({ vr: 'UT' }); // names the patient: emptied
    expect(items[0]?.['0040A123']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'ANONYMIZED' }] }); // Person Name is D
    expect(items[1]?.['0040A160']).toEqual({ vr: 'UT', Value: ['No change'] });
    expect(value(items[0] as DicomJsonDataset, '0040A040')).toBe('TEXT');
  });

  it('Clean Graphics keeps graphic annotations, their text going through the profile, and still removes overlay bitmaps', async () => {
    const input = sample();
    input['00700001'] = {
      vr: 'SQ',
      Value: [{ '00700008': { vr: 'SQ', Value: [{ '00700006': { vr: 'ST', Value: ['Mr Doe lesion'] } }, { '00700006': { vr: 'ST', Value: ['lesion'] } }] } }],
    };
    const texts = async (options: DeidOption[]): Promise<unknown[]> => {
      const out = await deidentifyDataset(input, request(options));
      expect(out['60003000']).toBeUndefined();
      expect(out['50002500']).toBeUndefined(); // text Clean Graphics could keep, but the curve is gone
      return ((out['00700001']?.Value?.[0] as DicomJsonDataset)['00700008']?.Value as DicomJsonDataset[]).map((i) => i['00700006']);
    };
    // Unformatted Text Value is D, or C with Clean Descriptors; what cannot be cleaned gets the D.
    const dummy = { vr: 'ST', Value: ['ANONYMIZED'] };
    expect(await texts([DeidOption.CleanGraphics])).toEqual([dummy, dummy]);
    expect(await texts([DeidOption.CleanGraphics, DeidOption.CleanDescriptors])).toEqual([dummy, { vr: 'ST', Value: ['lesion'] }]);
    expect((await deidentifyDataset(input, request()))['00700001']).toEqual({ vr: 'SQ', Value: [{}] });
  });

  it('Retain Safe Private keeps private elements declared or listed safe, with their creators, and nothing else', async () => {
    const input = sample();
    input['00080300'] = {
      vr: 'SQ',
      Value: [
        {
          '00080301': { vr: 'US', Value: [0x0029] },
          '00080302': { vr: 'LO', Value: ['ACME SAFE'] },
          '00080303': { vr: 'CS', Value: ['MIXED'] },
          '00080304': { vr: 'US', Value: [0x01] },
        },
      ],
    };
    const out = await deidentifyDataset(input, request([DeidOption.RetainSafePrivate], { safePrivateTags: [{ creator: 'OTHER VENDOR', group: 0x0031, element: 0x11 }] }));
    expect(value(out, '00290010')).toBe('ACME SAFE');
    expect(value(out, '00291001')).toBe('kernel B30f');
    expect(out['00291002']).toBeUndefined();
    expect(value(out, '00310010')).toBe('OTHER VENDOR');
    expect(value(out, '00311011')).toBe('listed');
    expect(out['00311001']).toBeUndefined();
    expect(out['00312001']).toBeUndefined(); // in a block no creator reserved: no one vouches for it
  });

  it('puts a pseudonym in Patient ID and Patient Name when given one', async () => {
    const out = await deidentifyDataset(sample(), request([], { patientPseudonym: { patientID: 'SUBJ-001' } }));
    expect(value(out, '00100020')).toBe('SUBJ-001');
    expect(value(out, '00100010')).toEqual({ Alphabetic: 'SUBJ-001' });
  });
});

describe('deidentifyDataset: refusals', () => {
  it('refuses Burned In Annotation YES: pixel data is not cleaned', async () => {
    const input = sample();
    input['00280301'] = { vr: 'CS', Value: ['YES'] };
    await expect(deidentifyDataset(input, request())).rejects.toMatchObject({ code: DeidErrorCode.BurnedInAnnotation });
  });

  it('refuses both longitudinal options at once, and modified dates without a date shift', async () => {
    await expect(deidentifyDataset(sample(), request([DeidOption.RetainLongitudinalFullDates, DeidOption.RetainLongitudinalModifiedDates]))).rejects.toBeInstanceOf(DeidError);
    await expect(deidentifyDataset(sample(), request([DeidOption.RetainLongitudinalModifiedDates]))).rejects.toMatchObject({ code: DeidErrorCode.MissingDateShift });
  });
});
