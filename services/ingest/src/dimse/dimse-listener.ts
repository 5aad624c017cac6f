import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CommandField, DimseServer, DimseStatus, type AssociationEvent, type DimseRequest, type DimseResponse } from '@tessera/dicom';
import { CONFIG, LOGGER, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import { currentTraceparent, inSpan, type Logger } from '@tessera/telemetry';
import { StoreInstanceUseCase } from '../store-instance.use-case';
import { CannotUnderstand, storeFailureStatus } from './store-status';
import { negotiateStorage } from './storage-negotiation';

/** The DIMSE listener of the ingest role: Verification SCP and Storage SCP (PS3.4 A, B). */
@Injectable()
export class DimseListener implements OnApplicationBootstrap, OnModuleDestroy {
  private server: DimseServer | undefined;
  private readonly logger: Logger;
  /** The bound port (differs from the setting when that is 0). */
  port = 0;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    private readonly store: StoreInstanceUseCase,
  ) {
    this.logger = logger.child({ component: 'dimse' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { dimse } = this.config;
    this.server = new DimseServer({
      host: dimse.host,
      port: dimse.port,
      maxAssociations: dimse.maxAssociations,
      maxPduLength: dimse.maxPduLength,
      artimTimeoutMs: dimse.artimTimeoutMs,
      idleTimeoutMs: dimse.idleTimeoutMs,
      negotiate: (request) => negotiateStorage(request, this.tenants.forAssociation(request.calledAETitle, request.callingAETitle) !== undefined),
      handle: (request) => this.handle(request),
      onEvent: (event) => this.log(event),
    });
    this.port = await this.server.listen();
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.close();
  }

  private async handle(request: DimseRequest): Promise<DimseResponse> {
    const { command, context } = request;
    switch (command.commandField) {
      case CommandField.CEchoRQ:
        return { command: { commandField: CommandField.CEchoRSP, affectedSOPClassUID: context.abstractSyntax, status: DimseStatus.Success } };
      case CommandField.CStoreRQ:
        return this.cStore(request);
      default:
        return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'Only C-ECHO and C-STORE are served on this AE' } };
    }
  }

  private async cStore({ association, context, command, dataSet }: DimseRequest): Promise<DimseResponse> {
    const respond = (status: number, errorComment?: string): DimseResponse => ({
      command: {
        commandField: CommandField.CStoreRSP,
        affectedSOPClassUID: command.affectedSOPClassUID ?? context.abstractSyntax,
        ...(command.affectedSOPInstanceUID ? { affectedSOPInstanceUID: command.affectedSOPInstanceUID } : {}),
        status,
        ...(errorComment ? { errorComment } : {}),
      },
    });
    const tenant = this.tenants.forAssociation(association.calledAETitle, association.callingAETitle);
    // Negotiation accepted only called AE titles that have a tenant; a request without a data set
    // or without its Affected SOP Instance UID breaks PS3.7 9.3.1.1.
    if (!dataSet || !tenant || !command.affectedSOPInstanceUID) {
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
    if (result.outcome !== 'failed') return respond(DimseStatus.Success);
    this.logger.warn('C-STORE refused', { association: association.id, calling: association.callingAETitle, sopInstanceUID: command.affectedSOPInstanceUID, reason: result.reason, message: result.message });
    return respond(storeFailureStatus(result.reason), result.message);
  }

  private log(event: AssociationEvent): void {
    switch (event.type) {
      case 'accepted':
        this.logger.info('association accepted', { association: event.association.id, calling: event.association.callingAETitle, called: event.association.calledAETitle, remote: event.association.remoteAddress });
        break;
      case 'rejected':
        this.logger.warn('association rejected', { calling: event.callingAETitle, called: event.calledAETitle, remote: event.remoteAddress, reason: event.explanation });
        break;
      case 'released':
        this.logger.info('association released', { association: event.association.id });
        break;
      case 'aborted':
        this.logger.warn('association aborted', { association: event.association?.id, by: event.by, reason: event.explanation });
        break;
      case 'closed':
        this.logger.info('connection closed', { association: event.association?.id, reason: event.explanation });
        break;
    }
  }
}
