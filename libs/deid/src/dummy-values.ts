import type { DicomJsonElement, VR } from '@tessera/dicom';

/** The text that replaces a value under D when nothing more specific is asked for. */
export const DUMMY_TEXT = 'ANONYMIZED';

/**
 * A value for the D action (PS3.15 E.1.1: "a non-zero length value that may be a dummy value and
 * consistent with the VR"), valid for the VR's rules of PS3.5 6.2. UI is not handled here: a dummy UID
 * must still be consistent across instances, so the U replacement is used for it instead.
 */
export function dummyElement(vr: VR): DicomJsonElement {
  switch (vr) {
    case 'AE':
    case 'LO':
    case 'LT':
    case 'SH':
    case 'ST':
    case 'UC':
    case 'UT':
    case 'UR':
    case 'CS':
      return { vr, Value: [DUMMY_TEXT] };
    case 'PN':
      return { vr, Value: [{ Alphabetic: DUMMY_TEXT }] };
    case 'AS':
      return { vr, Value: ['000Y'] };
    case 'DA':
      return { vr, Value: ['19000101'] };
    case 'DT':
      return { vr, Value: ['19000101000000'] };
    case 'TM':
      return { vr, Value: ['000000'] };
    case 'DS':
    case 'IS':
    case 'US':
    case 'SS':
    case 'UL':
    case 'SL':
    case 'FL':
    case 'FD':
    case 'SV':
    case 'UV':
      return { vr, Value: [0] };
    case 'AT':
      return { vr, Value: ['00000000'] };
    case 'OB':
    case 'UN':
    case 'OW':
      return { vr, InlineBinary: Buffer.alloc(2).toString('base64') };
    case 'OF':
    case 'OL':
      return { vr, InlineBinary: Buffer.alloc(4).toString('base64') };
    case 'OD':
    case 'OV':
      return { vr, InlineBinary: Buffer.alloc(8).toString('base64') };
    case 'SQ':
      // One empty item: present and non-empty for the IOD, with nothing in it to identify anyone.
      return { vr, Value: [{}] };
    case 'UI':
      throw new TypeError('A dummy UID must come from the UID mapper');
  }
}
