import type { Hl7Store, PatientMergeRecord } from '@tessera/hl7-store';

/** A tenant's patient merges (ADT^A40), newest first, undone ones too. */
export class ListPatientMergesUseCase {
  constructor(private readonly store: Hl7Store) {}

  execute(tenant: string): Promise<PatientMergeRecord[]> {
    return this.store.transaction((tx) => tx.listMerges(tenant));
  }
}
