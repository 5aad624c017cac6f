import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import {
  CommandField,
  DimseServer,
  DimseStatus,
  PresentationContextResult,
  RejectReason,
  RejectResult,
  RejectSource,
  SopClassUIDs,
  TransferSyntaxUIDs,
  type AssociateRequest,
  type AssociationEvent,
  type DimseRequest,
  type DimseResponse,
  type NegotiationOutcome,
  type PresentationContextAnswer,
  type RoleSelection,
} from '@tessera/dicom';
import type { Logger } from '@tessera/telemetry';
import { CONFIG, LOGGER, TENANT_RESOLVER } from '../tokens';
import type { TenantResolver } from '../tenant-resolver';
import { DimseServiceRegistry } from './dimse-service';

// Verification runs on the uncompressed transfer syntaxes (PS3.4 A.4).
const UNCOMPRESSED: readonly string[] = [TransferSyntaxUIDs.ImplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRBigEndian];

/**
 * The process's DIMSE listener: the Verification SCP plus every service the roles registered. It
 * starts only when some role registered one. An association addressed to an AE title without a
 * tenant is rejected with "called AE title not recognized" (PS3.8 9.3.4).
 */
@Injectable()
export class DimseListener implements OnApplicationBootstrap, OnModuleDestroy {
  private server: DimseServer | undefined;
  private readonly logger: Logger;
  /** The bound port (differs from the setting when that is 0); 0 while not listening. */
  port = 0;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    private readonly registry: DimseServiceRegistry,
  ) {
    this.logger = logger.child({ component: 'dimse' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.registry.all.length === 0) return;
    const { dimse } = this.config;
    this.server = new DimseServer({
      host: dimse.host,
      port: dimse.port,
      maxAssociations: dimse.maxAssociations,
      maxPduLength: dimse.maxPduLength,
      artimTimeoutMs: dimse.artimTimeoutMs,
      idleTimeoutMs: dimse.idleTimeoutMs,
      negotiate: (request) => this.negotiate(request),
      handle: (request) => this.handle(request),
      onEvent: (event) => this.log(event),
    });
    this.port = await this.server.listen();
    this.logger.info('DIMSE listening', { port: this.port, services: this.registry.all.map((s) => s.name) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.server?.close();
  }

  private negotiate(request: AssociateRequest): NegotiationOutcome {
    if (this.tenants.forAssociation(request.calledAETitle, request.callingAETitle) === undefined) {
      return {
        kind: 'reject',
        result: RejectResult.Permanent,
        source: RejectSource.ServiceUser,
        reason: RejectReason.CalledAETitleNotRecognized,
        explanation: `called AE title "${request.calledAETitle}" is not served here`,
      };
    }
    const contexts: PresentationContextAnswer[] = request.presentationContexts.map((pc) => {
      const chosen =
        pc.abstractSyntax === SopClassUIDs.Verification
          ? pc.transferSyntaxes.find((ts) => UNCOMPRESSED.includes(ts))
          : this.registry.forAbstractSyntax(pc.abstractSyntax)?.chooseTransferSyntax(pc.abstractSyntax, pc.transferSyntaxes);
      if (pc.abstractSyntax !== SopClassUIDs.Verification && !this.registry.forAbstractSyntax(pc.abstractSyntax)) {
        return { id: pc.id, result: PresentationContextResult.AbstractSyntaxNotSupported, transferSyntax: '' };
      }
      return chosen ? { id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: chosen } : { id: pc.id, result: PresentationContextResult.TransferSyntaxesNotSupported, transferSyntax: '' };
    });
    const roleSelections: RoleSelection[] = this.registry.all.flatMap((s) => s.acceptRoles?.(request.roleSelections) ?? []);
    return { kind: 'accept', contexts, ...(roleSelections.length > 0 ? { roleSelections } : {}) };
  }

  private async handle(request: DimseRequest): Promise<DimseResponse> {
    const { command, context, association } = request;
    if (command.commandField === CommandField.CEchoRQ) {
      return { command: { commandField: CommandField.CEchoRSP, affectedSOPClassUID: context.abstractSyntax, status: DimseStatus.Success } };
    }
    const service = this.registry.forAbstractSyntax(context.abstractSyntax);
    const tenant = this.tenants.forAssociation(association.calledAETitle, association.callingAETitle);
    if (!service || tenant === undefined) {
      request.dataSet?.resume();
      return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'No service for this presentation context' } };
    }
    return service.handle(request, tenant);
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
