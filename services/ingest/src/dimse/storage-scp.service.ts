import { CommandField, DimseStatus, isStorageSopClass, lookupTransferSyntax, type DimseRequest, type DimseResponse } from '@tessera/dicom';
import type { DimseAudit, DimseService } from '@tessera/platform';
import { currentTraceparent, inSpan, type Logger } from '@tessera/telemetry';
import type { StoreInstanceUseCase } from '../store-instance.use-case';
import { CannotUnderstand, storeFailureStatus } from './store-status';

/**
 * The Storage SCP (PS3.4 Annex B) for every storage SOP class: each accepted with the first proposed
 * transfer syntax Tessera can receive, so objects are kept as the sender encoded them.
 */
export class StorageScpService implements DimseService {
  readonly name = 'Storage SCP';

  constructor(
    private readonly store: StoreInstanceUseCase,
    private readonly audit: DimseAudit,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return isStorageSopClass(uid);
  }

  operationOf(): 'STORE' {
    return 'STORE';
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return proposed.find((ts) => lookupTransferSyntax(ts) !== undefined);
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { association, context, command, dataSet } = request;
    if (command.commandField !== CommandField.CStoreRQ) {
      dataSet?.resume();
      return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'Storage SOP classes take C-STORE only' } };
    }
    const respond = (status: number, errorComment?: string): DimseResponse => ({
      command: {
        commandField: CommandField.CStoreRSP,
        affectedSOPClassUID: command.affectedSOPClassUID ?? context.abstractSyntax,
        ...(command.affectedSOPInstanceUID ? { affectedSOPInstanceUID: command.affectedSOPInstanceUID } : {}),
        status,
        ...(errorComment ? { errorComment } : {}),
      },
    });
    // PS3.7 9.3.1.1: a C-STORE-RQ carries a data set and its Affected SOP Instance UID.
    if (!dataSet || !command.affectedSOPInstanceUID) {
      dataSet?.resume();
      return respond(CannotUnderstand.MalformedDataset, 'C-STORE-RQ without a data set or Affected SOP Instance UID');
    }
    // PS3.7 9.3.1.1: the Affected SOP Class must be the presentation context's abstract syntax.
    if (command.affectedSOPClassUID !== context.abstractSyntax) {
      dataSet.resume();
      return respond(DimseStatus.SopClassNotSupported, 'Affected SOP Class UID differs from the presentation context');
    }
    const sopInstanceUID = command.affectedSOPInstanceUID;
    const result = await inSpan('dicom.c-store', { 'dicom.calling_ae': association.callingAETitle, 'dicom.sop_instance_uid': sopInstanceUID, 'tessera.tenant': tenant }, () => {
      const traceparent = currentTraceparent();
      return this.store.execute({
        tenant,
        transferSyntaxUID: context.transferSyntax,
        dataSet,
        announced: { sopClassUID: context.abstractSyntax, sopInstanceUID, binding: true },
        receivedVia: { protocol: 'DIMSE', callingAETitle: association.callingAETitle, calledAETitle: association.calledAETitle, remoteAddress: association.remoteAddress },
        correlationId: association.id,
        ...(traceparent ? { traceparent } : {}),
      });
    });
    if (result.outcome !== 'failed') {
      const { identity, object } = result;
      this.audit.stored(association, tenant, { studyInstanceUID: object.studyInstanceUID, sopClassUID: object.sopClassUID, ...(identity.patient ? { patient: identity.patient } : {}) });
      return respond(DimseStatus.Success);
    }
    this.logger.warn('C-STORE refused', { association: association.id, calling: association.callingAETitle, sopInstanceUID, reason: result.reason, message: result.message });
    return respond(storeFailureStatus(result.reason), result.message);
  }
}
