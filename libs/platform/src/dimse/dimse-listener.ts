import { Inject, Injectable, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { AeOperation, AeRegistry } from '@tessera/ae-registry';
import type { TesseraConfig } from '@tessera/config';
import { AssociationRejectedV1 } from '@tessera/contracts';
import {
  CommandField,
  DimseServer,
  DimseStatus,
  PresentationContextResult,
  RejectReason,
  RejectResult,
  RejectSource,
  SopClassUIDs,
  type AssociateRequest,
  type AssociationEvent,
  type DimseRequest,
  type DimseResponse,
  type NegotiationOutcome,
  type PresentationContextAnswer,
  type RoleSelection,
  type SopClassExtendedNegotiation,
  type TlsEvent,
} from '@tessera/dicom';
import { outboxEntry } from '@tessera/outbox';
import type { Logger } from '@tessera/telemetry';
import { hostname } from 'node:os';
import type { TenantResolver } from '../tenant-resolver';
import { AE_REGISTRY, CONFIG, LOGGER, OUTBOX_RELAY, TENANT_RESOLVER } from '../tokens';
import { DimseAudit } from '../audit/dimse-audit';
import { DimseServiceRegistry, firstUncompressed, type DimseService } from './dimse-service';
import { DimseUserIdentity } from './dimse-user-identity';

// Verification runs on the uncompressed transfer syntaxes (PS3.4 A.4).
// What an AE that is not registered may do where unknown calling AEs are accepted: everything (a
// C-MOVE still goes only to a registered destination).
const UNREGISTERED: readonly AeOperation[] = ['ECHO', 'STORE', 'FIND', 'GET', 'COMMIT', 'MPPS', 'WORKLIST', 'MOVE'];

type Rejection = Extract<NegotiationOutcome, { kind: 'reject' }> & { tenant?: string };

/**
 * The process's DIMSE listener: the Verification SCP plus every service the roles registered. It
 * starts only when some role registered one. The called AE title selects the tenant (unknown: reason
 * 7, PS3.8 9.3.4); the calling AE title must be registered with that tenant (unknown: reason 3)
 * unless unknown callers are accepted; a registered AE gets only the presentation contexts of the
 * operations it is allowed; an identity it offers (User Identity Negotiation) must be verified, and
 * DIMSE_USER_IDENTITY says whether one is required. Every rejection is logged, kept, and announced
 * as an event.
 */
@Injectable()
export class DimseListener implements OnApplicationBootstrap, OnModuleDestroy {
  private server: DimseServer | undefined;
  private tlsServer: DimseServer | undefined;
  private readonly logger: Logger;
  /** The bound port (differs from the setting when that is 0); 0 while not listening. */
  port = 0;
  /** The bound DICOM TLS port; 0 while there is no TLS listener. */
  tlsPort = 0;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    private readonly registry: DimseServiceRegistry,
    private readonly audit: DimseAudit,
    private readonly identity: DimseUserIdentity,
    @Optional() @Inject(AE_REGISTRY) private readonly aes?: AeRegistry,
    @Optional() @Inject(OUTBOX_RELAY) private readonly relay?: { notify(): void },
  ) {
    this.logger = logger.child({ component: 'dimse' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.registry.all.length === 0) return;
    const { dimse } = this.config;
    // Both ports serve the same AE titles with the same tenant and calling-AE policy; the
    // association limit is the process's, whichever port the associations came in on.
    const common = {
      host: dimse.host,
      maxAssociations: dimse.maxAssociations,
      maxPduLength: dimse.maxPduLength,
      artimTimeoutMs: dimse.artimTimeoutMs,
      idleTimeoutMs: dimse.idleTimeoutMs,
      responseTimeoutMs: dimse.responseTimeoutMs,
      negotiate: (request: AssociateRequest, remoteAddress: string) => this.negotiate(request, remoteAddress),
      handle: (request: DimseRequest) => this.handle(request),
      onEvent: (event: AssociationEvent) => this.log(event),
    };
    this.server = new DimseServer({ ...common, port: dimse.port, otherAssociations: () => this.tlsServer?.openAssociations ?? 0 });
    this.port = await this.server.listen();
    this.logger.info('DIMSE listening', { port: this.port, services: this.registry.all.map((s) => s.name), acceptUnknownCallingAE: dimse.acceptUnknownCallingAE, userIdentity: this.identity.policy });
    const { tls } = dimse;
    if (tls.port === undefined || !tls.certificate) return;
    this.tlsServer = new DimseServer({
      ...common,
      port: tls.port,
      otherAssociations: () => this.server?.openAssociations ?? 0,
      tls: { cert: tls.certificate.chain, key: tls.certificate.key.export({ type: 'pkcs8', format: 'pem' }), ...(tls.ca !== undefined ? { ca: tls.ca } : {}), clientAuth: tls.clientAuth },
      onTlsEvent: (event) => this.logTls(event),
    });
    this.tlsPort = await this.tlsServer.listen();
    this.logger.info('DIMSE TLS listening', {
      port: this.tlsPort,
      profile: 'Non-Downgrading BCP 195 (PS3.15 B.9), TLS 1.2 or later',
      clientAuth: tls.clientAuth,
      certificate: tls.certificate.subject.replaceAll('\n', ', '),
      certificateValidTo: tls.certificate.validTo,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.server?.close(), this.tlsServer?.close()]);
  }

  private async negotiate(request: AssociateRequest, remoteAddress: string): Promise<NegotiationOutcome> {
    const tenant = this.tenants.forAssociation(request.calledAETitle, request.callingAETitle);
    if (tenant === undefined) {
      return this.reject(request, remoteAddress, { kind: 'reject', result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CalledAETitleNotRecognized, explanation: `called AE title "${request.calledAETitle}" is not served here` });
    }
    const caller = await this.aes?.find(tenant, request.callingAETitle);
    if (!caller && !this.config.dimse.acceptUnknownCallingAE) {
      return this.reject(request, remoteAddress, { kind: 'reject', tenant, result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.CallingAETitleNotRecognized, explanation: `calling AE title "${request.callingAETitle}" is not registered with tenant ${tenant}` });
    }
    const identity = await this.identity.check(request, tenant, remoteAddress);
    if (identity.kind === 'refused') {
      // PS3.7 D.3.3.7: an identity the acceptor does not accept rejects the association permanently,
      // source "DICOM UL service-provider (ACSE related function)", no reason given (PS3.8 Table 9-21
      // has no reason for it). An identity provider that cannot be reached is a transient failure.
      return this.reject(request, remoteAddress, {
        kind: 'reject',
        tenant,
        result: identity.refusal === 'issuer-unreachable' ? RejectResult.Transient : RejectResult.Permanent,
        source: RejectSource.ServiceProviderAcse,
        reason: RejectReason.NoReasonGiven,
        explanation: `user-identity-refused: ${identity.explanation}`,
      });
    }
    const allowed = new Set<AeOperation>(caller ? caller.allowedOperations : UNREGISTERED);
    const { senders, roleSelections } = this.acceptRoles(request.roleSelections, allowed);
    const contexts: PresentationContextAnswer[] = request.presentationContexts.map((pc) => this.answer(pc, allowed, senders.get(pc.abstractSyntax)));
    const extendedNegotiations = this.answerExtendedNegotiations(request, contexts);
    return {
      kind: 'accept',
      contexts,
      ...(roleSelections.length > 0 ? { roleSelections } : {}),
      ...(extendedNegotiations.length > 0 ? { extendedNegotiations } : {}),
      ...(identity.kind === 'accepted' ? { user: identity.user, ...(identity.serverResponse ? { userIdentityServerResponse: identity.serverResponse } : {}) } : {}),
    };
  }

  /**
   * SCP/SCU role selection (PS3.7 D.3.3.4): where the requester offers to be the SCP of a SOP class
   * that a service sends on the requester's association (C-GET), and this AE may use that service,
   * the role is accepted and that service answers the context. The requester keeps its SCU role only
   * where it may use the service that serves the SOP class. Without an answer, the default roles hold.
   */
  private acceptRoles(requested: readonly RoleSelection[], allowed: ReadonlySet<AeOperation>): { senders: Map<string, DimseService>; roleSelections: RoleSelection[] } {
    const senders = new Map<string, DimseService>();
    const roleSelections: RoleSelection[] = [];
    for (const role of requested) {
      if (!role.scpRole || senders.has(role.sopClassUid)) continue;
      const sender = this.registry.all.find((s) => s.sendsOnRequesterAssociation?.(role.sopClassUid) && allowed.has(s.operationOf(role.sopClassUid)));
      if (!sender) continue;
      senders.set(role.sopClassUid, sender);
      const server = this.registry.forAbstractSyntax(role.sopClassUid);
      const scuRole = role.scuRole && server !== undefined && allowed.has(server.operationOf(role.sopClassUid));
      roleSelections.push({ sopClassUid: role.sopClassUid, scuRole, scpRole: true });
    }
    return { senders, roleSelections };
  }

  /**
   * SOP Class Extended Negotiation (PS3.7 D.3.3.5): for each SOP class of an accepted context, the
   * service serving it answers (one answer per SOP class, to its first sub-item); SOP classes without
   * an accepted context, and services that agree to nothing extended, get no sub-item.
   */
  private answerExtendedNegotiations(request: AssociateRequest, contexts: readonly PresentationContextAnswer[]): SopClassExtendedNegotiation[] {
    const accepted = new Set(request.presentationContexts.filter((pc) => contexts.some((c) => c.id === pc.id && c.result === PresentationContextResult.Acceptance)).map((pc) => pc.abstractSyntax));
    const answers: SopClassExtendedNegotiation[] = [];
    for (const { sopClassUid, serviceClassApplicationInformation } of request.extendedNegotiations ?? []) {
      if (!accepted.has(sopClassUid) || answers.some((a) => a.sopClassUid === sopClassUid)) continue;
      const answer = this.registry.forAbstractSyntax(sopClassUid)?.answerExtendedNegotiation?.(sopClassUid, serviceClassApplicationInformation);
      if (answer) answers.push({ sopClassUid, serviceClassApplicationInformation: answer });
    }
    return answers;
  }

  private answer(pc: AssociateRequest['presentationContexts'][number], allowed: ReadonlySet<AeOperation>, sender: DimseService | undefined): PresentationContextAnswer {
    if (pc.abstractSyntax === SopClassUIDs.Verification) {
      const ts = allowed.has('ECHO') ? firstUncompressed(pc.transferSyntaxes) : undefined;
      if (!allowed.has('ECHO')) return { id: pc.id, result: PresentationContextResult.UserRejection, transferSyntax: '' };
      return ts ? { id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: ts } : { id: pc.id, result: PresentationContextResult.TransferSyntaxesNotSupported, transferSyntax: '' };
    }
    const service = sender ?? this.registry.forAbstractSyntax(pc.abstractSyntax);
    if (!service) return { id: pc.id, result: PresentationContextResult.AbstractSyntaxNotSupported, transferSyntax: '' };
    // PS3.8 9.3.3.2: an operation this AE may not ask for is a user rejection of the context.
    if (!allowed.has(service.operationOf(pc.abstractSyntax))) return { id: pc.id, result: PresentationContextResult.UserRejection, transferSyntax: '' };
    const ts = service.chooseTransferSyntax(pc.abstractSyntax, pc.transferSyntaxes);
    return ts ? { id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: ts } : { id: pc.id, result: PresentationContextResult.TransferSyntaxesNotSupported, transferSyntax: '' };
  }

  private async reject(request: AssociateRequest, remoteAddress: string, rejection: Rejection): Promise<NegotiationOutcome> {
    const { tenant, ...outcome } = rejection;
    const now = new Date();
    try {
      await this.aes?.recordRejection(
        { ...(tenant ? { tenant } : {}), callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, remoteAddress, reason: outcome.explanation },
        [
          outboxEntry(
            AssociationRejectedV1,
            { tenant: tenant ?? this.config.defaultTenant, source: `dimse@${hostname()}`, correlationId: `${remoteAddress}/${request.callingAETitle}` },
            { callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, remoteAddress, reason: outcome.explanation, result: outcome.result, source: outcome.source, reasonCode: outcome.reason, rejectedAt: now.toISOString() },
            now,
          ),
        ],
      );
      this.relay?.notify();
    } catch (err) {
      this.logger.error('could not record a rejected association', { error: (err as Error).message });
    }
    return outcome;
  }

  private async handle(request: DimseRequest): Promise<DimseResponse> {
    const { command, context, association } = request;
    if (command.commandField === CommandField.CEchoRQ) {
      return { command: { commandField: CommandField.CEchoRSP, affectedSOPClassUID: context.abstractSyntax, status: DimseStatus.Success } };
    }
    // A requester that was granted only the SCP role for this SOP class (PS3.7 D.3.3.4) may not ask
    // for its operations: it took the context to receive C-GET sub-operations, not to store.
    if (association.roleSelections.some((r) => r.sopClassUid === context.abstractSyntax && !r.scuRole)) {
      request.dataSet?.resume();
      return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.NotAuthorized, errorComment: 'Only the SCP role was granted for this SOP class' } };
    }
    const service = this.registry.forAbstractSyntax(context.abstractSyntax);
    const tenant = this.tenants.forAssociation(association.calledAETitle, association.callingAETitle);
    if (!service || tenant === undefined) {
      request.dataSet?.resume();
      return { command: { commandField: command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation, errorComment: 'No service for this presentation context' } };
    }
    return service.handle(request, tenant);
  }

  private logTls(event: TlsEvent): void {
    if (event.type === 'refused') this.logger.warn('TLS connection refused', { remote: event.remoteAddress, reason: event.explanation });
    else this.logger.info('TLS connection', { remote: event.remoteAddress, protocol: event.protocol, cipher: event.cipher, clientCertificate: event.clientCertificate });
  }

  private log(event: AssociationEvent): void {
    switch (event.type) {
      case 'accepted':
        this.logger.info('association accepted', { association: event.association.id, calling: event.association.callingAETitle, called: event.association.calledAETitle, remote: event.association.remoteAddress, user: event.association.user?.name });
        break;
      case 'rejected':
        this.logger.warn('association rejected', { calling: event.callingAETitle, called: event.calledAETitle, remote: event.remoteAddress, reason: event.explanation });
        break;
      case 'released':
        this.logger.info('association released', { association: event.association.id });
        this.audit.ended(event.association.id, 'released');
        break;
      case 'aborted':
        this.logger.warn('association aborted', { association: event.association?.id, by: event.by, reason: event.explanation });
        if (event.association) this.audit.ended(event.association.id, 'aborted');
        break;
      case 'closed':
        this.logger.info('connection closed', { association: event.association?.id, reason: event.explanation });
        if (event.association) this.audit.ended(event.association.id, 'aborted');
        break;
    }
  }
}
