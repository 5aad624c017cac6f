import { isValidUid } from '@tessera/dicom';
import { checkWorklistItem, InvalidWorklistItemError, NEW_WORKLIST_IDS, worklistAddressProblem } from './worklist-item';

const ids = { studyInstanceUID: () => '2.25.42', scheduledProcedureStepID: () => 'GEN1' };

function body(change: (item: Record<string, unknown>, step: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const step: Record<string, unknown> = {
    '00080060': { vr: 'CS', Value: ['MR'] },
    '00400001': { vr: 'AE', Value: ['MR1'] },
    '00400002': { vr: 'DA', Value: ['20240301'] },
    '00400003': { vr: 'TM', Value: ['0930'] },
    '00400007': { vr: 'LO', Value: ['Knee'] },
  };
  const item: Record<string, unknown> = {
    '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎' }] },
    '00100020': { vr: 'LO', Value: ['P-7'] },
    '00321060': { vr: 'LO', Value: ['MR knee'] },
    '00400100': { vr: 'SQ', Value: [step] },
    '00401001': { vr: 'SH', Value: ['RP7'] },
  };
  change(item, step);
  return item;
}

const reason = (value: unknown, address?: { studyInstanceUID: string; scheduledProcedureStepID: string }): string => {
  try {
    checkWorklistItem(value, ids, address);
  } catch (err) {
    if (err instanceof InvalidWorklistItemError) return err.message;
    throw err;
  }
  return 'valid';
};

describe('checkWorklistItem (PS3.4 Table K.6-1 return key types)', () => {
  it('fills in Study Instance UID, Scheduled Procedure Step ID and status, drops Specific Character Set, and orders tags', () => {
    const checked = checkWorklistItem(body(), ids);
    expect(checked).toMatchObject({ studyInstanceUID: '2.25.42', scheduledProcedureStepID: 'GEN1' });
    expect(Object.keys(checked.attributes)).toEqual(['00100010', '00100020', '0020000D', '00321060', '00400100', '00401001']);
    const step = (checked.attributes['00400100']?.Value as Record<string, { Value?: unknown[] }>[])[0] as Record<string, { Value?: unknown[] }>;
    expect(Object.keys(step)).toEqual(['00080060', '00400001', '00400002', '00400003', '00400007', '00400009', '00400020']);
    expect([step['00400009']?.Value, step['00400020']?.Value]).toEqual([['GEN1'], ['SCHEDULED']]);
  });

  it('takes the identifiers of the address, and refuses a body that contradicts it', () => {
    expect(checkWorklistItem(body(), ids, { studyInstanceUID: '1.2.3', scheduledProcedureStepID: 'S9' })).toMatchObject({ studyInstanceUID: '1.2.3', scheduledProcedureStepID: 'S9' });
    const given = body((item) => (item['0020000D'] = { vr: 'UI', Value: ['1.2.4'] }));
    expect(reason(given, { studyInstanceUID: '1.2.3', scheduledProcedureStepID: 'S9' })).toMatch(/StudyInstanceUID \(0020,000D\) "1.2.4" differs from the item's address/);
  });

  it.each([
    ['Patient ID', body((item) => delete item['00100020']), /PatientID \(0010,0020\) is required/],
    ["Patient's Name", body((item) => (item['00100010'] = { vr: 'PN', Value: [{ Alphabetic: '^' }] })), /PatientName \(0010,0010\) is required/],
    ['Requested Procedure ID', body((item) => delete item['00401001']), /RequestedProcedureID \(0040,1001\) is required/],
    ['a requested procedure description or code', body((item) => delete item['00321060']), /RequestedProcedureDescription \(0032,1060\) or RequestedProcedureCodeSequence \(0032,1064\) is required/],
    ['one Scheduled Procedure Step', body((item, step) => (item['00400100'] = { vr: 'SQ', Value: [step, step] })), /ScheduledProcedureStepSequence \(0040,0100\) must hold exactly one item/],
    ['a Scheduled Procedure Step at all', body((item) => delete item['00400100']), /ScheduledProcedureStepSequence \(0040,0100\) must hold exactly one item/],
    ['Modality', body((_, step) => delete step['00080060']), /Modality \(0008,0060\) is required/],
    ['a CS Modality', body((_, step) => (step['00080060'] = { vr: 'CS', Value: ['mr'] })), /Modality \(0008,0060\) "mr" is not a CS value/],
    ['Scheduled Station AE Title', body((_, step) => delete step['00400001']), /ScheduledStationAETitle \(0040,0001\) is required/],
    ['an AE title', body((_, step) => (step['00400001'] = { vr: 'AE', Value: ['A\\B'] })), /ScheduledStationAETitle \(0040,0001\) "A\\B" is not an AE title/],
    ['Scheduled Procedure Step Start Date', body((_, step) => (step['00400002'] = { vr: 'DA', Value: ['20241301'] })), /ScheduledProcedureStepStartDate \(0040,0002\) "20241301" is not a DA value/],
    ['Scheduled Procedure Step Start Time', body((_, step) => delete step['00400003']), /ScheduledProcedureStepStartTime \(0040,0003\) is required/],
    ['a valid time', body((_, step) => (step['00400003'] = { vr: 'TM', Value: ['2460'] })), /ScheduledProcedureStepStartTime \(0040,0003\) "2460" is not a TM value/],
    ['a step description or protocol code', body((_, step) => delete step['00400007']), /ScheduledProcedureStepDescription \(0040,0007\) or ScheduledProtocolCodeSequence \(0040,0008\) is required/],
    ['a known status', body((_, step) => (step['00400020'] = { vr: 'CS', Value: ['WAITING'] })), /ScheduledProcedureStepStatus \(0040,0020\) "WAITING" is not one of SCHEDULED, ARRIVED/],
    ['a usable step ID', body((_, step) => (step['00400009'] = { vr: 'SH', Value: ['A/B\\C'] })), /ScheduledProcedureStepID \(0040,0009\) "A\/B\\C" must be 1-16 printable ASCII characters without backslash/],
    ['a UID', body((item) => (item['0020000D'] = { vr: 'UI', Value: ['1.02.3'] })), /StudyInstanceUID \(0020,000D\) "1.02.3" is not a UID/],
    ['tag keys', { ...body(), PatientID: { vr: 'LO', Value: ['x'] } }, /"PatientID" is not an attribute tag/],
    ['the dictionary VR', body((item) => (item['00100020'] = { vr: 'PN', Value: [{ Alphabetic: 'X' }] })), /PatientID \(0010,0020\) at 00100020 has VR PN; PS3.6 gives LO/],
    ['values that fit their VR', body((item) => (item['00080050'] = { vr: 'SH', Value: ['12345678901234567'] })), /AccessionNumber \(0008,0050\) at 00080050 has a value longer than 16 characters/],
    ['encodable values', body((item) => (item['00080090'] = { vr: 'PN', Value: [{ Alphabetic: 'Doe=John' }] })), /00080090 \(PN\) has a name group containing "="/],
    ['no bulk data', body((item) => (item['00420011'] = { vr: 'OB', BulkDataURI: 'http://x' })), /refers to bulk data/],
    ['one data set', [body(), body()], /one worklist item; this array holds 2/],
    ['a data set', 'CT', /must be a DICOM JSON data set/],
  ])('requires %s', (_what, value, message) => {
    expect(reason(value)).toMatch(message);
  });

  it('accepts an item given as a DICOM JSON array of one, with coded descriptions instead of text', () => {
    const coded = body((item, step) => {
      delete item['00321060'];
      delete step['00400007'];
      const code = [{ '00080100': { vr: 'SH', Value: ['RPID1'] }, '00080102': { vr: 'SH', Value: ['99LOCAL'] }, '00080104': { vr: 'LO', Value: ['Knee MR'] } }];
      item['00321064'] = { vr: 'SQ', Value: code };
      step['00400008'] = { vr: 'SQ', Value: code };
    });
    expect(reason([coded])).toBe('valid');
  });

  it('makes new identifiers that fit: a UID, and an ID of 16 characters', () => {
    expect(isValidUid(NEW_WORKLIST_IDS.studyInstanceUID())).toBe(true);
    expect(NEW_WORKLIST_IDS.scheduledProcedureStepID()).toMatch(/^[0-9A-F]{16}$/);
    expect(NEW_WORKLIST_IDS.scheduledProcedureStepID()).not.toBe(NEW_WORKLIST_IDS.scheduledProcedureStepID());
  });

  it('checks the address of an item', () => {
    expect(worklistAddressProblem('1.2.3', 'SPS 1')).toBeUndefined();
    expect(worklistAddressProblem('1.2.03', 'S1')).toBe('"1.2.03" is not a valid Study Instance UID (PS3.5 9.1)');
    expect(worklistAddressProblem('1.2.3', 'ABCDEFGHIJKLMNOPQ')).toMatch(/is not a valid Scheduled Procedure Step ID/);
  });
});
