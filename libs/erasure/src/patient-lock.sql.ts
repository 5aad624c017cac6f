import { lockPatients } from '@tessera/database';
import type { EntityManager } from 'typeorm';
import type { LegalHold, PatientIdentity } from './patient-erasure.port';

interface HoldRow {
  patient_id: string;
  issuer_of_patient_id: string;
  reason: string;
  set_by: string;
  set_at: Date;
}

/** One lock per tenant and patient identity, held until the transaction ends: holds, erasures and deletions of a patient take turns. */
export function lockPatient(manager: EntityManager, tenant: string, patient: PatientIdentity): Promise<void> {
  return lockPatients(manager, [{ tenant, ...patient }], 'exclusive');
}

/** The patient's legal hold, if one is set. */
export async function findHold(manager: EntityManager, tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
  const [row] = (await manager.query(
    'SELECT patient_id, issuer_of_patient_id, reason, set_by, set_at FROM patient_legal_hold WHERE tenant_id = $1 AND patient_id = $2 AND issuer_of_patient_id = $3',
    [tenant, patient.patientID, patient.issuerOfPatientID],
  )) as HoldRow[];
  return row ? toHold(row) : undefined;
}

/** A hold row as the port has it. */
export function toHold(row: HoldRow): LegalHold {
  return { patient: { patientID: row.patient_id, issuerOfPatientID: row.issuer_of_patient_id }, reason: row.reason, setBy: row.set_by, setAt: new Date(row.set_at) };
}
