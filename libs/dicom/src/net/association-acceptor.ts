import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';
import { DimseConnection, type AcceptedContext, type AssociationInfo, type AssociationUser, type ConnectionEvent, type DimseRequest, type DimseResponse } from './dimse-connection';
import {
  APPLICATION_CONTEXT_NAME,
  AbortReason,
  AbortSource,
  PduError,
  PduType,
  PresentationContextResult,
  RejectReason,
  RejectResult,
  RejectSource,
  encodeAbort,
  encodeAssociateAccept,
  encodeAssociateReject,
  type AssociateRequest,
  type Pdu,
  type PresentationContextAnswer,
  type RoleSelection,
  type SopClassExtendedNegotiation,
} from './pdu';
import { PduReader } from './pdu-reader';

/** How the service answers an A-ASSOCIATE-RQ. */
export type NegotiationOutcome =
  | {
      readonly kind: 'accept';
      readonly contexts: readonly PresentationContextAnswer[];
      readonly roleSelections?: readonly RoleSelection[];
      /** Answers to the requester's SOP Class Extended Negotiation (PS3.7 D.3.3.5), sent in the A-ASSOCIATE-AC. */
      readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
      /** The user whose identity was verified (PS3.7 D.3.3.7), kept on the association. */
      readonly user?: AssociationUser;
      /** Sent as the User Identity server response (PS3.7 D.3.3.7.2) when given. */
      readonly userIdentityServerResponse?: Buffer;
    }
  | { readonly kind: 'reject'; readonly result: number; readonly source: number; readonly reason: number; readonly explanation: string };

/** Things that happen to an association, for logs, metrics and audit. */
export type AssociationEvent =
  | { readonly type: 'accepted'; readonly association: AssociationInfo; readonly contexts: readonly PresentationContextAnswer[] }
  | { readonly type: 'rejected'; readonly callingAETitle: string; readonly calledAETitle: string; readonly remoteAddress: string; readonly explanation: string; readonly reason: number }
  | { readonly type: 'released'; readonly association: AssociationInfo }
  | { readonly type: 'aborted'; readonly association?: AssociationInfo; readonly by: 'peer' | 'local'; readonly explanation: string }
  | { readonly type: 'closed'; readonly association?: AssociationInfo; readonly explanation: string };

/** What an acceptor needs from the service it serves. */
export interface AcceptorOptions {
  /** Maximum Length Received announced to the peer, and enforced (PS3.8 D.1). */
  readonly maxPduLength: number;
  /** ARTIM: how long to wait for the A-ASSOCIATE-RQ after connect (PS3.8 9.1.5). */
  readonly artimTimeoutMs: number;
  /** How long a message may stall mid-transfer, or an association stay silent, before A-ABORT. */
  readonly idleTimeoutMs: number;
  /** How long to wait for the peer's response to a sub-operation request (C-GET). */
  readonly responseTimeoutMs?: number;
  negotiate(request: AssociateRequest, remoteAddress: string): NegotiationOutcome | Promise<NegotiationOutcome>;
  handle(request: DimseRequest): Promise<DimseResponse>;
  onEvent?(event: AssociationEvent): void;
}

/**
 * The acceptor side of one association (PS3.8 9.2, acceptor transitions): waits for the
 * A-ASSOCIATE-RQ under ARTIM, negotiates, and then hands the socket to a DimseConnection.
 */
export class AssociationAcceptor {
  private state: 'awaiting-request' | 'negotiating' | 'established' | 'closed' = 'awaiting-request';
  private readonly reader: PduReader;
  private connection: DimseConnection | undefined;
  private readonly listeners: { data: (c: Buffer) => void; timeout: () => void; error: (e: Error) => void; close: () => void };

  constructor(
    private readonly socket: Socket,
    private readonly options: AcceptorOptions,
  ) {
    this.reader = new PduReader(options.maxPduLength);
    socket.setNoDelay(true);
    socket.setTimeout(options.artimTimeoutMs);
    this.listeners = {
      data: (chunk) => this.onData(chunk),
      timeout: () => this.close('ARTIM expired before an A-ASSOCIATE-RQ arrived'),
      error: (err) => this.close(`transport error: ${err.message}`),
      close: () => this.close('the peer closed the connection'),
    };
    socket.on('data', this.listeners.data).on('timeout', this.listeners.timeout).on('error', this.listeners.error).on('close', this.listeners.close);
  }

  /** Ends the association from this side with an A-ABORT (e.g. on shutdown). */
  abort(explanation: string): void {
    if (this.connection) {
      this.connection.abort(explanation);
      return;
    }
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end(encodeAbort(AbortSource.ServiceUser, AbortReason.NotSpecified));
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'awaiting-request') return;
    let pdus: Pdu[];
    try {
      pdus = this.reader.feed(chunk);
    } catch (err) {
      this.refuse(err);
      return;
    }
    const [first] = pdus;
    if (!first) return;
    if (first.type !== PduType.AssociateRQ) {
      this.refuse(new PduError(`PDU type ${first.type} before an A-ASSOCIATE-RQ`, AbortReason.UnexpectedPdu));
      return;
    }
    this.state = 'negotiating';
    this.socket.pause();
    void this.negotiate(first.request);
  }

  private async negotiate(request: AssociateRequest): Promise<void> {
    const remoteAddress = this.socket.remoteAddress ?? '';
    let outcome: NegotiationOutcome;
    if ((request.protocolVersion & 0x0001) === 0) {
      outcome = { kind: 'reject', result: RejectResult.Permanent, source: RejectSource.ServiceProviderAcse, reason: RejectReason.ProtocolVersionNotSupported, explanation: `protocol version ${request.protocolVersion} is not supported` };
    } else if (request.applicationContextName !== APPLICATION_CONTEXT_NAME) {
      outcome = { kind: 'reject', result: RejectResult.Permanent, source: RejectSource.ServiceUser, reason: RejectReason.ApplicationContextNameNotSupported, explanation: `application context ${request.applicationContextName} is not supported` };
    } else {
      try {
        outcome = await this.options.negotiate(request, remoteAddress);
      } catch (err) {
        outcome = { kind: 'reject', result: RejectResult.Transient, source: RejectSource.ServiceUser, reason: RejectReason.NoReasonGiven, explanation: `negotiation failed: ${(err as Error).message}` };
      }
    }
    if (this.isClosed()) return;
    if (outcome.kind === 'reject') {
      this.options.onEvent?.({ type: 'rejected', callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, remoteAddress, explanation: outcome.explanation, reason: outcome.reason });
      this.state = 'closed';
      this.socket.end(encodeAssociateReject(outcome.result, outcome.source, outcome.reason));
      return;
    }
    const contexts = new Map<number, AcceptedContext>();
    for (const answer of outcome.contexts) {
      const proposed = request.presentationContexts.find((pc) => pc.id === answer.id);
      if (proposed && answer.result === PresentationContextResult.Acceptance) contexts.set(answer.id, { id: answer.id, abstractSyntax: proposed.abstractSyntax, transferSyntax: answer.transferSyntax });
    }
    const info: AssociationInfo = {
      id: randomUUID(),
      callingAETitle: request.callingAETitle,
      calledAETitle: request.calledAETitle,
      remoteAddress,
      remotePort: this.socket.remotePort ?? 0,
      implementationClassUid: request.implementationClassUid,
      peerMaxPduLength: request.maxPduLength,
      roleSelections: outcome.roleSelections ?? [],
      ...(outcome.extendedNegotiations ? { extendedNegotiations: outcome.extendedNegotiations } : {}),
      ...(outcome.user ? { user: outcome.user } : {}),
      ...(request.implementationVersionName ? { implementationVersionName: request.implementationVersionName } : {}),
    };
    this.socket.write(
      encodeAssociateAccept({
        calledAETitle: request.calledAETitle,
        callingAETitle: request.callingAETitle,
        presentationContexts: outcome.contexts,
        maxPduLength: this.options.maxPduLength,
        implementationClassUid: IMPLEMENTATION_CLASS_UID,
        implementationVersionName: IMPLEMENTATION_VERSION_NAME,
        ...(outcome.roleSelections ? { roleSelections: outcome.roleSelections } : {}),
        ...(outcome.extendedNegotiations ? { extendedNegotiations: outcome.extendedNegotiations } : {}),
        ...(outcome.userIdentityServerResponse ? { userIdentityServerResponse: outcome.userIdentityServerResponse } : {}),
      }),
    );
    this.socket.off('data', this.listeners.data).off('timeout', this.listeners.timeout).off('error', this.listeners.error).off('close', this.listeners.close);
    this.state = 'established';
    this.options.onEvent?.({ type: 'accepted', association: info, contexts: outcome.contexts });
    this.connection = new DimseConnection(this.socket, {
      info,
      contexts,
      maxPduLength: this.options.maxPduLength,
      idleTimeoutMs: this.options.idleTimeoutMs,
      responseTimeoutMs: this.options.responseTimeoutMs ?? 60_000,
      handle: (r) => this.options.handle(r),
      onEvent: (e) => this.forward(e, info),
      leftover: this.reader.drain(),
    });
    this.socket.resume();
  }

  private forward(event: ConnectionEvent, association: AssociationInfo): void {
    switch (event.type) {
      case 'released':
        this.options.onEvent?.({ type: 'released', association });
        return;
      case 'aborted':
        this.options.onEvent?.({ type: 'aborted', association, by: event.by, explanation: event.explanation });
        return;
      case 'closed':
        this.options.onEvent?.({ type: 'closed', association, explanation: event.explanation });
    }
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private refuse(err: unknown): void {
    const reason = err instanceof PduError ? err.abortReason : AbortReason.UnexpectedPduParameter;
    this.options.onEvent?.({ type: 'aborted', by: 'local', explanation: `protocol error: ${(err as Error).message}` });
    this.state = 'closed';
    this.socket.end(encodeAbort(AbortSource.ServiceProvider, reason));
  }

  private close(explanation: string): void {
    if (this.state === 'closed' || this.state === 'established') return;
    this.state = 'closed';
    this.options.onEvent?.({ type: 'closed', explanation });
    this.socket.destroy();
  }
}
