/** The value representations of PS3.5 Table 6.2-1. */
export const VRS = [
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW',
  'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US', 'UT', 'UV',
] as const;

export type VR = (typeof VRS)[number];

const VR_SET: ReadonlySet<string> = new Set(VRS);

/** True when the two bytes read where an explicit VR belongs name a VR of PS3.5. */
export function isVR(text: string): text is VR {
  return VR_SET.has(text);
}

/**
 * VRs whose explicit-VR encoding has two reserved bytes and a 32-bit length (PS3.5 7.1.2, Table 7.1-1);
 * the others use a 16-bit length.
 */
const LONG_LENGTH: ReadonlySet<VR> = new Set<VR>(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** True when an explicit-VR element of this VR carries a 32-bit length. */
export function hasLongLength(vr: VR): boolean {
  return LONG_LENGTH.has(vr);
}

/** VRs whose value is a character string (decoded with the Specific Character Set where PS3.5 6.1.2.3 says so). */
const STRING_VRS: ReadonlySet<VR> = new Set<VR>(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);

/** True when the VR holds characters. */
export function isStringVR(vr: VR): boolean {
  return STRING_VRS.has(vr);
}

/** VRs whose value is opaque bytes (or words) rather than numbers or text to show. */
const BINARY_VRS: ReadonlySet<VR> = new Set<VR>(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** True for the "other" binary VRs and UN. */
export function isBinaryVR(vr: VR): boolean {
  return BINARY_VRS.has(vr);
}

/**
 * VRs that may hold several values separated by backslash (PS3.5 6.4); LT, ST, UT and UR never do.
 */
export function isMultiValuedString(vr: VR): boolean {
  return isStringVR(vr) && vr !== 'LT' && vr !== 'ST' && vr !== 'UT' && vr !== 'UR';
}

/** VRs whose characters are affected by Specific Character Set (PS3.5 6.1.2.3); the rest are ASCII. */
export function usesSpecificCharacterSet(vr: VR): boolean {
  return vr === 'LO' || vr === 'LT' || vr === 'PN' || vr === 'SH' || vr === 'ST' || vr === 'UC' || vr === 'UT';
}

/** The byte size of one value of a fixed-size binary number VR, or 0. */
export function numberSize(vr: VR): number {
  switch (vr) {
    case 'SS':
    case 'US':
      return 2;
    case 'SL':
    case 'UL':
    case 'FL':
    case 'AT':
      return 4;
    case 'FD':
    case 'SV':
    case 'UV':
      return 8;
    default:
      return 0;
  }
}
