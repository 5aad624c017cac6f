import type { DicomJsonDataset } from '@tessera/dicom';
import type { ProcedureStepStatus, ProcedureStepStore } from '@tessera/mpps';
import { checkFinal, checkSet, statusOf } from './mpps-attributes';
import { attributeRefusal, MppsFailure, type MppsRefusal } from './mpps-failure';
import type { ProcedureStepOptions } from './create-procedure-step.use-case';
import { procedureStepEvent, type ReceivedVia } from './procedure-step-event';
import { attributesSize, storedAttributes } from './stored-attributes';

// A step read again after a concurrent N-SET changed it first; more rounds than this is a runaway.
const MAX_ROUNDS = 5;

/** An N-SET of a Modality Performed Procedure Step. */
export interface SetProcedureStepCommand {
  readonly tenant: string;
  /** The Requested SOP Instance UID of the request (an already valid UID). */
  readonly sopInstanceUID: string;
  readonly modification: DicomJsonDataset;
  readonly receivedVia: ReceivedVia;
  readonly correlationId: string;
}

export type SetProcedureStepResult = { readonly outcome: 'updated'; readonly status: ProcedureStepStatus; readonly revision: number } | MppsRefusal;

/**
 * The state machine of a procedure step (PS3.4 F.1.5, F.7.2.2): an IN PROGRESS step takes N-SETs of the
 * attributes Table F.7.2-1 allows, stays IN PROGRESS or becomes COMPLETED or DISCONTINUED once it meets
 * the final-state requirements, and after that never changes. Each accepted N-SET is recorded with
 * its event in one transaction, from the revision it was checked against.
 */
export class SetProcedureStepUseCase {
  constructor(
    private readonly store: ProcedureStepStore,
    private readonly notify: () => void,
    private readonly options: ProcedureStepOptions,
  ) {}

  async execute(command: SetProcedureStepCommand): Promise<SetProcedureStepResult> {
    const problems = checkSet(command.modification);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const step = await this.store.find(command.tenant, command.sopInstanceUID);
      if (!step) return { outcome: 'refused', failure: MppsFailure.NoSuchInstance, message: `No procedure step ${command.sopInstanceUID}` };
      // PS3.4 F.7.2.2.3 and Table F.7.2-2: only an IN PROGRESS step may be set.
      if (step.status !== 'IN PROGRESS') return { outcome: 'refused', failure: MppsFailure.NoLongerUpdatable, message: 'Performed Procedure Step Object may no longer be updated' };
      if (problems.length > 0) return attributeRefusal('N-SET', problems, command.modification);
      const attributes = storedAttributes(command.modification, step.attributes);
      const status = statusOf(attributes) ?? step.status;
      if (status !== 'IN PROGRESS') {
        const lacking = checkFinal(attributes);
        if (lacking.length > 0) return attributeRefusal('N-SET', lacking, command.modification);
      }
      if (attributesSize(attributes) > this.options.maxAttributesBytes) {
        return { outcome: 'refused', failure: MppsFailure.TooLarge, message: `The attributes would take more than ${this.options.maxAttributesBytes} bytes as JSON` };
      }
      const next = { ...step, status, attributes, revision: step.revision + 1 };
      const event = procedureStepEvent(next, command.receivedVia, { tenant: command.tenant, source: this.options.source, correlationId: command.correlationId }, new Date());
      const outcome = await this.store.update({ tenant: command.tenant, sopInstanceUID: command.sopInstanceUID, fromRevision: step.revision, status, attributes }, [event]);
      if (outcome === 'updated') {
        this.notify();
        return { outcome: 'updated', status, revision: next.revision };
      }
    }
    throw new Error(`Procedure step ${command.sopInstanceUID} changed ${MAX_ROUNDS} times while being set`);
  }
}
