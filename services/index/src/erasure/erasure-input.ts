import type { PatientIdentity } from '@tessera/erasure';

// Reasons are for people to read in the audit trail; this bounds what one request can put there.
const MAX_REASON_LENGTH = 1024;

/**
 * What is wrong with a patient identity and a reason for a hold or an erasure, or undefined. Patient
 * ID is LO (PS3.5 6.2: at most 64 characters, no backslash or control characters), as is its issuer.
 */
export function checkErasureInput(patient: PatientIdentity, reason: string): string | undefined {
  if (!isLo(patient.patientID) || patient.patientID.trim() === '') return 'Patient ID: 1-64 characters, no backslash or control characters (LO, PS3.5 6.2)';
  if (!isLo(patient.issuerOfPatientID)) return 'Issuer of Patient ID: at most 64 characters, no backslash or control characters (LO, PS3.5 6.2)';
  if (reason.trim() === '') return 'reason: say why (it is recorded in the audit trail)';
  if (reason.length > MAX_REASON_LENGTH) return `reason: at most ${MAX_REASON_LENGTH} characters`;
  return undefined;
}

function isLo(value: string): boolean {
  return value.length <= 64 && !/[\\\u0000-\u001f]/.test(value);
}
