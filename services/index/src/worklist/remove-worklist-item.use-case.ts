import { worklistAddressProblem, type WorklistStore } from '@tessera/worklist';

export type RemoveWorklistItemResult = { readonly kind: 'removed' | 'not-found' } | { readonly kind: 'invalid'; readonly message: string };

/** Takes a scheduled procedure step off the worklist, by its address. */
export class RemoveWorklistItemUseCase {
  constructor(private readonly store: WorklistStore) {}

  async execute(tenant: string, studyInstanceUID: string, scheduledProcedureStepID: string): Promise<RemoveWorklistItemResult> {
    const problem = worklistAddressProblem(studyInstanceUID, scheduledProcedureStepID);
    if (problem) return { kind: 'invalid', message: problem };
    return { kind: (await this.store.remove(tenant, studyInstanceUID, scheduledProcedureStepID)) ? 'removed' : 'not-found' };
  }
}
