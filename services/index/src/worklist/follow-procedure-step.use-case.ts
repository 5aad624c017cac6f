import { type IncomingMessage, PermanentError, readEnvelope } from '@tessera/bus';
import { parseEvent, ProcedureStepCompletedV1, ProcedureStepDiscontinuedV1, ProcedureStepInProgressV1 } from '@tessera/contracts';
import type { Logger } from '@tessera/telemetry';
import type { ScheduledStepStatus, WorklistStore } from '@tessera/worklist';

// What a performed step's state makes of the scheduled steps it performs (IHE RAD TF-2 4.7, "the
// Department System Scheduler updates the Scheduled Procedure Step status"; dcm4chee-arc does the same):
// started once the modality begins, completed or discontinued with it. A step moves forward only, so
// that an event delivered again, late, cannot reopen or restart a finished step.
const OPEN: readonly ScheduledStepStatus[] = ['SCHEDULED', 'ARRIVED', 'READY'];
const UNFINISHED: readonly ScheduledStepStatus[] = [...OPEN, 'STARTED', 'DEPARTED'];

/** What the worklist needs of a procedure-step event, whichever of the three it is. */
interface PerformedStep {
  readonly tenant: string;
  readonly sopInstanceUID: string;
  readonly scheduledSteps: readonly { readonly studyInstanceUID: string; readonly scheduledProcedureStepID?: string | undefined }[];
}
const TRANSITIONS: Record<string, { readonly parse: (raw: unknown) => PerformedStep; readonly to: ScheduledStepStatus; readonly from: readonly ScheduledStepStatus[] }> = {
  [ProcedureStepInProgressV1.type]: { parse: (raw) => performed(parseEvent(ProcedureStepInProgressV1, raw)), to: 'STARTED', from: OPEN },
  [ProcedureStepCompletedV1.type]: { parse: (raw) => performed(parseEvent(ProcedureStepCompletedV1, raw)), to: 'COMPLETED', from: UNFINISHED },
  [ProcedureStepDiscontinuedV1.type]: { parse: (raw) => performed(parseEvent(ProcedureStepDiscontinuedV1, raw)), to: 'DISCONTINUED', from: UNFINISHED },
};

function performed(event: { tenant: string; data: Omit<PerformedStep, 'tenant'> }): PerformedStep {
  return { tenant: event.tenant, sopInstanceUID: event.data.sopInstanceUID, scheduledSteps: event.data.scheduledSteps };
}

/**
 * Keeps the worklist in step with the modalities: each procedure-step event sets the Scheduled
 * Procedure Step Status of the worklist items it names (by Study Instance UID and Scheduled Procedure
 * Step ID). Once started, an item leaves the default worklist answer (OPEN_STEP_STATUSES), so that a
 * second modality does not perform it again. Steps the worklist does not hold (unscheduled
 * procedures, or another system's) are left alone. Idempotent.
 */
export class FollowProcedureStepUseCase {
  constructor(
    private readonly store: WorklistStore,
    private readonly logger: Logger,
  ) {}

  async handle(message: IncomingMessage): Promise<number> {
    const { type, raw } = readEnvelope(message);
    const transition = TRANSITIONS[type];
    if (!transition) return 0;
    let event;
    try {
      event = transition.parse(raw);
    } catch (err) {
      throw new PermanentError(`${type} breaks its schema: ${(err as Error).message}`);
    }
    let changed = 0;
    for (const step of event.scheduledSteps) {
      if (!step.scheduledProcedureStepID) continue;
      if (await this.store.setStatus(event.tenant, step.studyInstanceUID, step.scheduledProcedureStepID, transition.to, transition.from)) {
        changed += 1;
        this.logger.info('worklist item follows its performed procedure step', {
          tenant: event.tenant,
          studyInstanceUID: step.studyInstanceUID,
          scheduledProcedureStepID: step.scheduledProcedureStepID,
          status: transition.to,
          performedProcedureStep: event.sopInstanceUID,
        });
      }
    }
    return changed;
  }
}
