import { worklistAddressProblem, type WorklistItem, type WorklistStore } from '@tessera/worklist';

export type RemoveWorklistItemResult = { readonly kind: 'removed'; readonly item: WorklistItem } | { readonly kind: 'not-found' } | { readonly kind: 'invalid'; readonly message: string };

/** Takes a scheduled procedure step off the worklist, by its address. */
export class RemoveWorklistItemUseCase {
  constructor(private readonly store: WorklistStore) {}

  async execute(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<RemoveWorklistItemResult> {
    const problem = worklistAddressProblem(studyInstanceUID, scheduledProcedureStepID);
    if (problem) return { kind: 'invalid', message: problem };
    // The item as it was, for the audit trail's record of whose procedure step went.
    const item = await this.store.find(tenant, studyInstanceUID, scheduledProcedureStepID);
    if (!item || !(await this.store.remove(tenant, studyInstanceUID, scheduledProcedureStepID))) return { kind: 'not-found' };
    return { kind: 'removed', item };
  }
}
