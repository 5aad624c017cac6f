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
import type { MwlFindUseCase } from './mwl-find.use-case';
import { MwlIdentifierError } from './mwl-query';

/** Modality Worklist Information Model – FIND (PS3.4 K.6.1.1). */
export const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';

/**
 * The Modality Worklist SCP (PS3.4 K.4.1): a pending response per matching scheduled procedure step
 * (FF00), then success, or Cancel (FE00) after a C-CANCEL; an identifier that cannot be served gets
 * A900 and a failure to process C001 (PS3.4 K.4.1.1.4). A registered AE needs the WORKLIST operation.
 */
export class MwlScpService implements DimseService {
  readonly name = 'Modality Worklist FIND SCP';

  constructor(
    private readonly find: MwlFindUseCase,
    private readonly audit: DimseAudit,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid === MODALITY_WORKLIST_FIND;
  }

  operationOf(): 'WORKLIST' {
    return 'WORKLIST';
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return firstUncompressed(proposed);
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, context, association } = request;
    const final = (status: number, errorComment?: string): DimseResponse => ({
      command: { commandField: CommandField.CFindRSP, affectedSOPClassUID: MODALITY_WORKLIST_FIND, status, ...(errorComment ? { errorComment } : {}) },
    });
    if (command.commandField !== CommandField.CFindRQ || !request.dataSet) {
      request.dataSet?.resume();
      return final(DimseStatus.UnrecognizedOperation, 'Only C-FIND with an identifier is served on this context');
    }
    let query;
    // Every query is audited (PS3.15 A.5.3 Query).
    const audited = this.audit.query(request, tenant);
    try {
      const received = await readDataSet(request.dataSet, context.transferSyntax);
      audited.identifier(received);
      query = this.find.prepare(received);
    } catch (err) {
      if (err instanceof MwlIdentifierError || err instanceof DicomError) {
        this.logger.info('worklist C-FIND refused', { association: association.id, reason: err.message });
        audited.done(DimseStatus.DataSetDoesNotMatchSopClass, err.message);
        return final(DimseStatus.DataSetDoesNotMatchSopClass, err.message.slice(0, 64));
      }
      throw err;
    }
    const ts = lookupTransferSyntax(context.transferSyntax) as NonNullable<ReturnType<typeof lookupTransferSyntax>>;
    let count = 0;
    try {
      for await (const match of this.find.matches(tenant, query, request.cancelled)) {
        // Answer in the requester's character set when it can carry the text, else in UTF-8 (PS3.4 K.4.1.1.3).
        const charset = chooseCharacterSet(query.characterSet, textsOf(match));
        const identifier = charset.length > 0 ? { ...match, [tagKey(Tags.SpecificCharacterSet)]: { vr: 'CS' as const, Value: charset } } : match;
        await request.sendPending({
          command: { commandField: CommandField.CFindRSP, affectedSOPClassUID: MODALITY_WORKLIST_FIND, status: DimseStatus.Pending },
          dataSet: encodeJsonDataset(identifier, ts, characterSetEncoder(charset)),
        });
        count += 1;
      }
    } catch (err) {
      this.logger.error('worklist C-FIND failed', { association: association.id, error: (err as Error).message });
      audited.done(DimseStatus.UnableToProcess, (err as Error).message);
      return final(DimseStatus.UnableToProcess, `Unable to process: ${(err as Error).message}`.slice(0, 64));
    }
    this.logger.info('worklist C-FIND answered', { association: association.id, calling: association.callingAETitle, matches: count, cancelled: request.cancelled.aborted });
    audited.done(request.cancelled.aborted ? DimseStatus.Cancel : DimseStatus.Success);
    return final(request.cancelled.aborted ? DimseStatus.Cancel : DimseStatus.Success);
  }
}
