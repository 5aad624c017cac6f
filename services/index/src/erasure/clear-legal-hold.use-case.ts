import type { LegalHold, PatientErasureStore, PatientIdentity } from '@tessera/erasure';

export type ClearLegalHoldResult = { readonly kind: 'cleared'; readonly hold: LegalHold } | { readonly kind: 'not-held' };

/** Clears a patient's legal hold. */
export class ClearLegalHoldUseCase {
  constructor(private readonly store: PatientErasureStore) {}

  async execute(tenant: string, patient: PatientIdentity): Promise<ClearLegalHoldResult> {
    const hold = await this.store.clearHold(tenant, patient);
    return hold ? { kind: 'cleared', hold } : { kind: 'not-held' };
  }
}
