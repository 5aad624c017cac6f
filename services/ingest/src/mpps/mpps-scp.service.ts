import {
  characterSetEncoder,
  chooseCharacterSet,
  CommandField,
  DicomError,
  DicomErrorCode,
  DimseStatus,
  encodeJsonDataset,
  isValidUid,
  lookupTransferSyntax,
  readDataSet,
  SopClassUIDs,
  stringValues,
  tagKey,
  Tags,
  textsOf,
  type DicomJsonDataset,
  type DimseRequest,
  type DimseResponse,
  type Tag,
} from '@tessera/dicom';
import { firstUncompressed, type DimseService } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import type { CreateProcedureStepUseCase } from './create-procedure-step.use-case';
import { MppsFailure, type MppsRefusal } from './mpps-failure';
import { mppsFailureStatus, NO_LONGER_UPDATABLE_ERROR_ID } from './mpps-status';
import type { SetProcedureStepUseCase } from './set-procedure-step.use-case';

const MPPS = SopClassUIDs.ModalityPerformedProcedureStep;
type ResponseCommand = DimseResponse['command'];
type Operation = 'N-CREATE' | 'N-SET';

/**
 * The Modality Performed Procedure Step SCP (PS3.4 F.7): N-CREATE and N-SET on the MPPS SOP Class,
 * each answered with the status PS3.4 F.7.2 and PS3.7 10.1 give for its outcome, and the fields PS3.7
 * Annex C lists for that status.
 */
export class MppsScpService implements DimseService {
  readonly name = 'Modality Performed Procedure Step SCP';

  constructor(
    private readonly create: CreateProcedureStepUseCase,
    private readonly set: SetProcedureStepUseCase,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid === MPPS;
  }

  operationOf(): 'MPPS' {
    return 'MPPS';
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return firstUncompressed(proposed);
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    switch (request.command.commandField) {
      case CommandField.NCreateRQ:
        return this.nCreate(request, tenant);
      case CommandField.NSetRQ:
        return this.nSet(request, tenant);
      default:
        request.dataSet?.resume();
        return { command: { commandField: request.command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'The MPPS SOP Class takes N-CREATE and N-SET only' } };
    }
  }

  private async nCreate(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, association } = request;
    const respond = (fields: Omit<ResponseCommand, 'commandField'>, dataSet?: Buffer): DimseResponse => ({ command: { commandField: CommandField.NCreateRSP, ...fields }, ...(dataSet ? { dataSet } : {}) });
    // PS3.4 F.7.2.1: the N-CREATE names the MPPS SOP Class (PS3.7 C.5.20 for the status's fields).
    if (command.affectedSOPClassUID !== MPPS) {
      request.dataSet?.resume();
      return respond({ status: DimseStatus.NoSuchSopClass, ...(command.affectedSOPClassUID ? { affectedSOPClassUID: command.affectedSOPClassUID } : {}), errorComment: 'N-CREATE of a SOP Class other than MPPS' });
    }
    const requested = command.affectedSOPInstanceUID;
    if (requested !== undefined && !isValidUid(requested)) {
      request.dataSet?.resume();
      return respond({ affectedSOPClassUID: MPPS, status: DimseStatus.InvalidSopInstance, affectedSOPInstanceUID: requested, errorComment: 'The Affected SOP Instance UID is not a UID (PS3.5 9.1)' });
    }
    const attributes = await this.read(request);
    if (attributes instanceof DicomError) return respond({ affectedSOPClassUID: MPPS, ...unreadable(attributes) });
    const result = await this.create.execute({
      tenant,
      ...(requested ? { sopInstanceUID: requested } : {}),
      attributes,
      receivedVia: { callingAETitle: association.callingAETitle, calledAETitle: association.calledAETitle, remoteAddress: association.remoteAddress },
      correlationId: association.id,
    });
    if (result.outcome === 'created') {
      this.logger.info('MPPS N-CREATE accepted', { association: association.id, calling: association.callingAETitle, sopInstanceUID: result.sopInstanceUID });
      // PS3.7 10.1.5.1.4: the success response names the instance (it must when Tessera assigned the UID).
      return respond({ affectedSOPClassUID: MPPS, affectedSOPInstanceUID: result.sopInstanceUID, status: DimseStatus.Success });
    }
    this.refused('N-CREATE', association.id, requested, result);
    const { fields, dataSet } = this.refusal(result, attributes, request.context.transferSyntax);
    // PS3.7 10.1.5.1.4: the Affected SOP Instance UID goes in a failure response only where Annex C asks (C.5.8).
    return respond({ affectedSOPClassUID: MPPS, ...fields, ...(result.failure === MppsFailure.DuplicateInstance && requested ? { affectedSOPInstanceUID: requested } : {}) }, dataSet);
  }

  private async nSet(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, association } = request;
    const sop = command.requestedSOPInstanceUID;
    // PS3.7 10.1.3.1.7-8: the response may name the class and instance; they equal the request's.
    const respond = (fields: Omit<ResponseCommand, 'commandField'>, dataSet?: Buffer): DimseResponse => ({
      command: { commandField: CommandField.NSetRSP, ...(command.requestedSOPClassUID ? { affectedSOPClassUID: command.requestedSOPClassUID } : {}), ...(sop ? { affectedSOPInstanceUID: sop } : {}), ...fields },
      ...(dataSet ? { dataSet } : {}),
    });
    if (command.requestedSOPClassUID !== MPPS) {
      request.dataSet?.resume();
      return respond({ status: DimseStatus.NoSuchSopClass, errorComment: 'N-SET of a SOP Class other than MPPS' });
    }
    if (sop === undefined || !isValidUid(sop)) {
      request.dataSet?.resume();
      return respond({ status: DimseStatus.InvalidSopInstance, errorComment: 'The Requested SOP Instance UID is not a UID (PS3.5 9.1)' });
    }
    const modification = await this.read(request);
    if (modification instanceof DicomError) return respond(unreadable(modification));
    const result = await this.set.execute({
      tenant,
      sopInstanceUID: sop,
      modification,
      receivedVia: { callingAETitle: association.callingAETitle, calledAETitle: association.calledAETitle, remoteAddress: association.remoteAddress },
      correlationId: association.id,
    });
    if (result.outcome === 'updated') {
      this.logger.info('MPPS N-SET accepted', { association: association.id, calling: association.callingAETitle, sopInstanceUID: sop, status: result.status, revision: result.revision });
      return respond({ status: DimseStatus.Success });
    }
    this.refused('N-SET', association.id, sop, result);
    const { fields, dataSet } = this.refusal(result, modification, request.context.transferSyntax);
    return respond(fields, dataSet);
  }

  /** The attribute list of the request (none: an empty one), or why it cannot be read. */
  private async read(request: DimseRequest): Promise<DicomJsonDataset | DicomError> {
    if (!request.dataSet) return {};
    try {
      return await readDataSet(request.dataSet, request.context.transferSyntax);
    } catch (err) {
      if (err instanceof DicomError) return err;
      throw err;
    }
  }

  /** The status and the fields PS3.7 Annex C gives it, for a refusal. */
  private refusal(result: MppsRefusal, received: DicomJsonDataset, transferSyntax: string): { fields: Omit<ResponseCommand, 'commandField'>; dataSet?: Buffer } {
    const status = mppsFailureStatus(result.failure);
    const problems = result.problems ?? [];
    switch (result.failure) {
      case MppsFailure.MissingAttribute:
        // C.5.13: the Attribute Identifier List names each attribute that is missing.
        return { fields: { status, attributeIdentifierList: unique(problems.map((p) => p.path[p.path.length - 1] as Tag)), errorComment: result.message } };
      case MppsFailure.AttributeNotAllowed:
        // C.5.17: the Attribute Identifier List names each attribute refused.
        return { fields: { status, attributeIdentifierList: unique(problems.map((p) => p.path[0] as Tag)), errorComment: result.message } };
      case MppsFailure.InvalidAttributeValue:
        // C.5.11 and PS3.4 F.7.2.1.3: an Attribute List holding only the invalid attributes.
        return { fields: { status, errorComment: result.message }, dataSet: encodeAttributeList(result.offending ?? {}, received, transferSyntax) };
      case MppsFailure.NoLongerUpdatable:
        // PS3.4 Table F.7.2-2.
        return { fields: { status, errorComment: result.message, errorId: NO_LONGER_UPDATABLE_ERROR_ID } };
      case MppsFailure.MissingAttributeValue:
      case MppsFailure.DuplicateInstance:
      case MppsFailure.NoSuchInstance:
      case MppsFailure.TooLarge:
        return { fields: { status, errorComment: result.message } };
    }
  }

  private refused(operation: Operation, association: string, sopInstanceUID: string | undefined, result: MppsRefusal): void {
    this.logger.warn(`MPPS ${operation} refused`, { association, sopInstanceUID, reason: result.failure, message: result.message });
  }
}

/** Why an attribute list could not be read, as a status: too large (PS3.7 C.5.22) or not understood. */
function unreadable(err: DicomError): Omit<ResponseCommand, 'commandField'> {
  const status = err.code === DicomErrorCode.LimitExceeded ? DimseStatus.ResourceLimitation : DimseStatus.ProcessingFailure;
  return { status, errorComment: `Attribute list unreadable: ${err.message}` };
}

function unique(tags: readonly Tag[]): Tag[] {
  return [...new Set(tags)];
}

/** Encodes attributes for a response in the request's character set where it can carry them (else UTF-8). */
function encodeAttributeList(attributes: DicomJsonDataset, request: DicomJsonDataset, transferSyntax: string): Buffer {
  const ts = lookupTransferSyntax(transferSyntax) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
  const charset = chooseCharacterSet(stringValues(request, tagKey(Tags.SpecificCharacterSet)), textsOf(attributes));
  const withCharset = charset.length > 0 ? { [tagKey(Tags.SpecificCharacterSet)]: { vr: 'CS' as const, Value: charset }, ...attributes } : attributes;
  return encodeJsonDataset(withCharset, ts, characterSetEncoder(charset));
}
