import type { EntityManager } from 'typeorm';

/** A patient of a tenant as the index keys it: Patient ID (0010,0020) and Issuer of Patient ID (0010,0021), "" when none. */
export interface LockedPatient {
  readonly tenant: string;
  readonly patientID: string;
  readonly issuerOfPatientID: string;
}

/**
 * Takes the transaction-scoped advisory lock of each patient: exclusive for what changes who the
 * patient is or whether the patient exists (legal holds, erasure), shared for what adds to the
 * patient (the indexer). So an instance indexed while its patient is erased is indexed either wholly
 * before the erasure (which then erases it) or after it (when it can see the erasure). Locks are taken
 * in one statement in a fixed order, so two transactions never wait for each other's.
 */
export async function lockPatients(manager: EntityManager, patients: readonly LockedPatient[], mode: 'exclusive' | 'shared'): Promise<void> {
  const keys = [...new Set(patients.map((p) => JSON.stringify(['patient-erasure', p.tenant, p.issuerOfPatientID, p.patientID])))].sort();
  if (keys.length === 0) return;
  const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
  // unnest yields the keys in the array's order, so they are locked in that order.
  await manager.query(`SELECT count(${lock}(hashtext(key))) FROM unnest($1::text[]) AS key`, [keys]);
}
