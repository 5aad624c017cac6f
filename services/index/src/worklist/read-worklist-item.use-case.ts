import { worklistAddressProblem, type WorklistItem, type WorklistStore } from '@tessera/worklist';

export type ReadWorklistItemResult = { readonly kind: 'found'; readonly item: WorklistItem } | { readonly kind: 'not-found' } | { readonly kind: 'invalid'; readonly message: string };

/** One worklist item by its address: Study Instance UID and Scheduled Procedure Step ID. */
export class ReadWorklistItemUseCase {
  constructor(private readonly store: WorklistStore) {}

  async execute(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<ReadWorklistItemResult> {
    const problem = worklistAddressProblem(studyInstanceUID, scheduledProcedureStepID);
    if (problem) return { kind: 'invalid', message: problem };
    const item = await this.store.find(tenant, studyInstanceUID, scheduledProcedureStepID);
    return item ? { kind: 'found', item } : { kind: 'not-found' };
  }
}
