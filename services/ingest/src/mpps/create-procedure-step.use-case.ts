import { generateUid, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import type { ProcedureStepStore } from '@tessera/mpps';
import { checkCreate, SCHEDULED_STEP_ATTRIBUTES } from './mpps-attributes';
import { attributeRefusal, MppsFailure, type MppsRefusal } from './mpps-failure';
import { procedureStepEvent, type ReceivedVia } from './procedure-step-event';
import { attributesSize, storedAttributes } from './stored-attributes';

/** An N-CREATE of a Modality Performed Procedure Step. */
export interface CreateProcedureStepCommand {
  readonly tenant: string;
  /** The Affected SOP Instance UID of the request, when the SCU chose one (an already valid UID). */
  readonly sopInstanceUID?: string;
  readonly attributes: DicomJsonDataset;
  readonly receivedVia: ReceivedVia;
  readonly correlationId: string;
}

export type CreateProcedureStepResult = { readonly outcome: 'created'; readonly sopInstanceUID: string } | MppsRefusal;

/** Settings of the use case. */
export interface ProcedureStepOptions {
  /** The envelope's source, e.g. "ingest@host". */
  readonly source: string;
  /** Largest attribute set a step may hold, as JSON. */
  readonly maxAttributesBytes: number;
}

/**
 * Creates a procedure step IN PROGRESS (PS3.4 F.7.2.1) once its attributes meet Table F.7.2-1, under
 * the SCU's SOP Instance UID or one Tessera assigns, and records the procedure-step.in-progress event
 * with it in one transaction.
 */
export class CreateProcedureStepUseCase {
  constructor(
    private readonly store: ProcedureStepStore,
    private readonly notify: () => void,
    private readonly options: ProcedureStepOptions,
  ) {}

  async execute(command: CreateProcedureStepCommand): Promise<CreateProcedureStepResult> {
    const problems = checkCreate(command.attributes);
    if (problems.length > 0) return attributeRefusal('N-CREATE', problems, command.attributes);
    const attributes = storedAttributes(command.attributes);
    if (attributesSize(attributes) > this.options.maxAttributesBytes) {
      return { outcome: 'refused', failure: MppsFailure.TooLarge, message: `The attributes take more than ${this.options.maxAttributesBytes} bytes as JSON` };
    }
    // PS3.7 10.1.5.1.4: without a UID from the SCU, the SCP assigns one and returns it.
    const sopInstanceUID = command.sopInstanceUID ?? generateUid();
    // The first scheduled step keys the step: its Study Instance UID is Type 1 (checked above).
    const first = (attributes[tagKey(SCHEDULED_STEP_ATTRIBUTES)]?.Value?.[0] ?? {}) as DicomJsonDataset;
    const accessionNumber = stringValue(first, tagKey(Tags.AccessionNumber));
    const step = {
      tenant: command.tenant,
      sopInstanceUID,
      status: 'IN PROGRESS' as const,
      studyInstanceUID: stringValue(first, tagKey(Tags.StudyInstanceUID)) as string,
      ...(accessionNumber ? { accessionNumber } : {}),
      attributes,
    };
    const event = procedureStepEvent({ ...step, revision: 1 }, command.receivedVia, { tenant: command.tenant, source: this.options.source, correlationId: command.correlationId }, new Date());
    if ((await this.store.create(step, [event])) === 'duplicate') {
      return { outcome: 'refused', failure: MppsFailure.DuplicateInstance, message: `Procedure step ${sopInstanceUID} exists already` };
    }
    this.notify();
    return { outcome: 'created', sopInstanceUID };
  }
}
