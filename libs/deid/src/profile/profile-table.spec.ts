import { lookupTag } from '@tessera/dicom';
import { DeidOption } from './deid-option';
import { effectiveAction, profileRow } from './profile-table';
import { PRIVATE_ATTRIBUTES_ROW, TABLE_E1_1 } from './table-e1-1';

// Attributes the 2026d table lists that the PS3.6 edition of libs/dicom's dictionary predates.
const NEWER_THAN_DICTIONARY = [
  '0040B034', '0040E012', '3004007F', '0040A034', '0040A035', '00102162', '00100044', '00100045', '00100041',
  '00081304', '0040B03F', '0040B03B', '00100012', '00100013', '00100011', '00081302', '00081301', '00100015',
  '00100016', '00081303', '0040B036', '00100046', '00100042', '00100047', '00100043', '00100014',
];

describe('Table E.1-1 (PS3.15 2026d)', () => {
  it('has every row of the edition once', () => {
    expect(TABLE_E1_1.length + 1).toBe(657);
    const tags = TABLE_E1_1.map(([tag]) => tag);
    expect(new Set(tags).size).toBe(tags.length);
    expect(PRIVATE_ATTRIBUTES_ROW[2]).toBe('X');
  });

  it('names only tags of PS3.6 (a mistyped tag would not be in the dictionary)', () => {
    const unknown = TABLE_E1_1.filter(([tag]) => !tag.includes('x') && lookupTag(Number.parseInt(tag, 16) >>> 0) === undefined).map(([tag]) => tag);
    expect(unknown).toEqual(NEWER_THAN_DICTIONARY);
  });

  it('finds rows by exact tag and by repeating-group mask', () => {
    expect(profileRow(0x00100010)?.[1]).toBe("Patient's Name");
    expect(profileRow(0x60023000)?.[1]).toBe('Overlay Data');
    expect(profileRow(0x60004000)?.[1]).toBe('Overlay Comments');
    expect(profileRow(0x50001234)?.[1]).toBe('Curve Data');
    expect(profileRow(0x60000010)).toBeUndefined();
    expect(profileRow(0x00080016)).toBeUndefined();
  });

  it('applies an option column over the Basic Profile only when the option is chosen', () => {
    const studyDate = profileRow(0x00080020)!;
    expect(effectiveAction(studyDate, new Set())).toBe('Z');
    expect(effectiveAction(studyDate, new Set([DeidOption.RetainLongitudinalFullDates]))).toBe('K');
    expect(effectiveAction(studyDate, new Set([DeidOption.RetainLongitudinalModifiedDates]))).toBe('C');
    expect(effectiveAction(studyDate, new Set([DeidOption.RetainUIDs]))).toBe('Z');
  });

  it('lets the cleaning option win where two chosen options disagree', () => {
    const calibration = profileRow(0x00181200)!; // Date of Last Calibration: device K, modified dates C
    expect(effectiveAction(calibration, new Set([DeidOption.RetainDeviceIdentity]))).toBe('K');
    expect(effectiveAction(calibration, new Set([DeidOption.RetainDeviceIdentity, DeidOption.RetainLongitudinalModifiedDates]))).toBe('C');
  });
});
