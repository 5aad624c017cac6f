import type { LegalHold, PatientErasureStore, PatientIdentity } from '@tessera/erasure';

/** The legal hold on a patient, if one is set. */
export class ReadLegalHoldUseCase {
  constructor(private readonly store: PatientErasureStore) {}

  execute(tenant: string, patient: PatientIdentity): Promise<LegalHold | undefined> {
    return this.store.holdOf(tenant, patient);
  }
}
