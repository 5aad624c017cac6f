import type { LegalHold, PatientErasureStore, PatientIdentity } from '@tessera/erasure';
import { checkErasureInput } from './erasure-input';

export type SetLegalHoldResult = { readonly kind: 'set'; readonly hold: LegalHold } | { readonly kind: 'invalid'; readonly message: string };

/** Puts a patient on legal hold, with a reason: no erasure of it succeeds until the hold is cleared. */
export class SetLegalHoldUseCase {
  constructor(
    private readonly store: PatientErasureStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async execute(tenant: string, patient: PatientIdentity, reason: string, setBy: string): Promise<SetLegalHoldResult> {
    const invalid = checkErasureInput(patient, reason);
    if (invalid) return { kind: 'invalid', message: invalid };
    const hold: LegalHold = { patient, reason, setBy, setAt: this.now() };
    await this.store.setHold(tenant, hold);
    return { kind: 'set', hold };
  }
}
