import { checkWorklistItem, InvalidWorklistItemError, worklistAddressProblem, type WorklistIdSource, type WorklistItem, type WorklistStore } from '@tessera/worklist';

/** One item to keep: new (POST), or at its address, created or replaced (PUT). */
export interface SaveWorklistItemCommand {
  readonly tenant: string;
  readonly body: unknown;
  readonly address?: { readonly studyInstanceUID: string; readonly scheduledProcedureStepID: string };
}

export type SaveWorklistItemResult =
  | { readonly kind: 'created' | 'updated'; readonly item: WorklistItem }
  | { readonly kind: 'exists'; readonly studyInstanceUID: string; readonly scheduledProcedureStepID: string }
  | { readonly kind: 'invalid'; readonly message: string };

/**
 * Schedules a procedure step on the worklist: checks the item (checkWorklistItem) and keeps it. A new
 * item never replaces one with the same Study Instance UID and Scheduled Procedure Step ID; an item
 * saved at its address does.
 */
export class SaveWorklistItemUseCase {
  constructor(
    private readonly store: WorklistStore,
    private readonly ids: WorklistIdSource,
  ) {}

  async execute(command: SaveWorklistItemCommand): Promise<SaveWorklistItemResult> {
    const { address } = command;
    const problem = address && worklistAddressProblem(address.studyInstanceUID, address.scheduledProcedureStepID);
    if (problem) return { kind: 'invalid', message: problem };
    let checked;
    try {
      checked = checkWorklistItem(command.body, this.ids, address);
    } catch (err) {
      if (err instanceof InvalidWorklistItemError) return { kind: 'invalid', message: err.message };
      throw err;
    }
    const item: WorklistItem = { tenant: command.tenant, ...checked };
    if (address) return { kind: await this.store.put(item), item };
    if ((await this.store.create(item)) === 'exists') return { kind: 'exists', studyInstanceUID: item.studyInstanceUID, scheduledProcedureStepID: item.scheduledProcedureStepID };
    return { kind: 'created', item };
  }
}
