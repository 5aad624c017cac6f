import {
  characterSetEncoder,
  chooseCharacterSet,
  CommandField,
  DicomError,
  DimseStatus,
  encodeJsonDataset,
  lookupTransferSyntax,
  readDataSet,
  tagKey,
  Tags,
  textsOf,
  type DimseRequest,
  type DimseResponse,
} from '@tessera/dicom';
import { type DimseAudit, type DimseService, firstUncompressed } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { IdentifierError, type FindUseCase, type InformationModel } from './find.use-case';

/** Query/Retrieve FIND SOP classes (PS3.4 C.6.1.1.1, C.6.2.1.1). */
export const FindSopClasses: Readonly<Record<string, InformationModel>> = {
  '1.2.840.10008.5.1.4.1.2.1.1': 'PATIENT_ROOT',
  '1.2.840.10008.5.1.4.1.2.2.1': 'STUDY_ROOT',
};

// Offsets in the service-class-application-information of PS3.4 Table C.5-2 (its item bytes 1 to 3).
const RELATIONAL_QUERIES = 0;
const COMBINED_DATE_TIME = 1;
const FUZZY_PERSON_NAMES = 2;

/**
 * The C-FIND SCP for the Patient Root and Study Root models (PS3.4 C.4.1): a pending response per
 * match (FF00), then success, or Cancel (FE00) after a C-CANCEL; a bad identifier gets A900 and a
 * failure to process C001 (PS3.4 C.4.1.1.4).
 */
export class FindScpService implements DimseService {
  readonly name = 'Query/Retrieve FIND SCP';

  constructor(
    private readonly find: FindUseCase,
    private readonly audit: DimseAudit,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid in FindSopClasses;
  }

  operationOf(): 'FIND' {
    return 'FIND';
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return firstUncompressed(proposed);
  }

  /**
   * SOP Class Extended Negotiation for C-FIND (PS3.4 C.5.1.1.2, Table C.5-2): as many bytes as were
   * proposed, each 1 only where proposed and supported. Byte 1, relational-queries: supported (keys of
   * the levels above the query level match without their unique keys, PS3.4 C.4.1.3.2). Byte 2,
   * combined date-time matching: supported (PS3.4 C.2.2.2.5). Byte 3, fuzzy semantic matching of
   * person names: supported, as QIDO-RS's fuzzymatching (PS3.4 C.2.2.2.1). Byte 4 (timezone query
   * adjustment) and any later byte: 0.
   */
  answerExtendedNegotiation(_sopClassUid: string, requested: Buffer): Buffer | undefined {
    if (requested.length === 0) return undefined;
    const answer = Buffer.alloc(requested.length);
    for (const byte of [RELATIONAL_QUERIES, COMBINED_DATE_TIME, FUZZY_PERSON_NAMES]) if (requested[byte] === 1) answer[byte] = 1;
    return answer;
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, context, association } = request;
    const model = FindSopClasses[context.abstractSyntax] as InformationModel;
    const final = (status: number, errorComment?: string): DimseResponse => ({
      command: { commandField: CommandField.CFindRSP, affectedSOPClassUID: context.abstractSyntax, status, ...(errorComment ? { errorComment: errorComment.slice(0, 64) } : {}) },
    });
    if (command.commandField !== CommandField.CFindRQ || !request.dataSet) {
      request.dataSet?.resume();
      return final(DimseStatus.UnrecognizedOperation, 'Only C-FIND with an identifier is served on this context');
    }
    const ts = lookupTransferSyntax(context.transferSyntax) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
    const agreed = association.extendedNegotiations?.find((n) => n.sopClassUid === context.abstractSyntax)?.serviceClassApplicationInformation;
    let prepared;
    // Every query is audited (PS3.15 A.5.3 Query).
    const audited = this.audit.query(request, tenant);
    try {
      const received = await readDataSet(request.dataSet, context.transferSyntax);
      audited.identifier(received);
      prepared = this.find.prepare(received, model, { fuzzyPersonNames: agreed?.[FUZZY_PERSON_NAMES] === 1, combinedDateTime: agreed?.[COMBINED_DATE_TIME] === 1 });
    } catch (err) {
      if (err instanceof IdentifierError || err instanceof DicomError) {
        audited.done(DimseStatus.DataSetDoesNotMatchSopClass, err.message);
        return final(DimseStatus.DataSetDoesNotMatchSopClass, err.message);
      }
      throw err;
    }
    let count = 0;
    try {
      for await (const match of this.find.matches(tenant, prepared, association.calledAETitle, request.cancelled)) {
        // Answer in the requester's character set when it can carry the text, else in UTF-8 (PS3.4 C.4.1.1.3.1).
        const charset = chooseCharacterSet(prepared.query.characterSet, textsOf(match));
        const identifier = charset.length > 0 ? { ...match, [tagKey(Tags.SpecificCharacterSet)]: { vr: 'CS' as const, Value: charset } } : match;
        await request.sendPending({
          command: { commandField: CommandField.CFindRSP, affectedSOPClassUID: context.abstractSyntax, status: DimseStatus.Pending },
          dataSet: encodeJsonDataset(identifier, ts, characterSetEncoder(charset)),
        });
        count += 1;
      }
    } catch (err) {
      this.logger.error('C-FIND failed', { association: association.id, error: (err as Error).message });
      audited.done(DimseStatus.UnableToProcess, (err as Error).message);
      return final(DimseStatus.UnableToProcess, `Unable to process: ${(err as Error).message}`.slice(0, 64));
    }
    this.logger.info('C-FIND answered', { association: association.id, queryLevel: prepared.level, matches: count, cancelled: request.cancelled.aborted });
    audited.done(request.cancelled.aborted ? DimseStatus.Cancel : DimseStatus.Success);
    return final(request.cancelled.aborted ? DimseStatus.Cancel : DimseStatus.Success);
  }
}
