import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';
import { CommandField, DimseStatus, decodeCommand, encodeCommand, type DimseCommand } from './dimse';
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
  encodePData,
  encodeReleaseResponse,
  type AssociateRequest,
  type Pdu,
  type PresentationContextAnswer,
  type Pdv,
} from './pdu';
import { PduReader } from './pdu-reader';

/** Who is on the other end of an association. */
export interface AssociationInfo {
  readonly id: string;
  readonly callingAETitle: string;
  readonly calledAETitle: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly implementationClassUid: string;
  readonly implementationVersionName?: string;
  /** The peer's Maximum Length Received (0 = unlimited). */
  readonly peerMaxPduLength: number;
}

/** An accepted presentation context. */
export interface AcceptedContext {
  readonly id: number;
  readonly abstractSyntax: string;
  readonly transferSyntax: string;
}

/** How the service answers an A-ASSOCIATE-RQ. */
export type NegotiationOutcome =
  | { readonly kind: 'accept'; readonly contexts: readonly PresentationContextAnswer[] }
  | { readonly kind: 'reject'; readonly result: number; readonly source: number; readonly reason: number; readonly explanation: string };

/** One DIMSE request; its data set, if any, streams in as it arrives. */
export interface DimseRequest {
  readonly association: AssociationInfo;
  readonly context: AcceptedContext;
  readonly command: DimseCommand;
  readonly dataSet?: Readable;
}

/** The response to send; the acceptor fills in the message id it responds to. */
export interface DimseResponse {
  readonly command: Omit<DimseCommand, 'messageIdBeingRespondedTo' | 'hasDataSet'>;
  readonly dataSet?: Buffer;
}

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
  negotiate(request: AssociateRequest, remoteAddress: string): NegotiationOutcome | Promise<NegotiationOutcome>;
  handle(request: DimseRequest): Promise<DimseResponse>;
  onEvent?(event: AssociationEvent): void;
}

// How much of a data set may wait in memory for its consumer before reading from the socket pauses.
const DATA_SET_HIGH_WATER_MARK = 4 * 1024 * 1024;

/** The error a data set stream fails with when its association dies mid-transfer. */
export class AssociationAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssociationAbortedError';
  }
}

interface Assembly {
  context: AcceptedContext;
  commandParts: Buffer[];
  command?: DimseCommand;
  dataSet?: Readable;
}

/**
 * The acceptor side of one association (PS3.8 9.2 state machine, acceptor transitions): negotiates,
 * assembles DIMSE messages from PDVs, hands each to the service with its data set as a stream, and
 * sends the responses. Operations run one at a time (no asynchronous operations window is offered).
 */
export class AssociationAcceptor {
  private state: 'awaiting-request' | 'associated' | 'closed' = 'awaiting-request';
  private readonly reader: PduReader;
  private readonly contexts = new Map<number, AcceptedContext>();
  private info: AssociationInfo | undefined;
  private assembly: Assembly | undefined;
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;
  private peerMaxPduLength = 0;

  constructor(
    private readonly socket: Socket,
    private readonly options: AcceptorOptions,
  ) {
    this.reader = new PduReader(options.maxPduLength);
    socket.setNoDelay(true);
    socket.setTimeout(options.artimTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', (err) => this.terminate(`transport error: ${err.message}`));
    socket.on('close', () => this.terminate('the peer closed the connection'));
  }

  /** Ends the association from this side with an A-ABORT (e.g. on shutdown). */
  abort(explanation: string): void {
    if (this.state === 'closed') return;
    this.sendAbort(AbortSource.ServiceUser, AbortReason.NotSpecified, explanation);
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let pdus: Pdu[];
    try {
      pdus = this.reader.feed(chunk);
    } catch (err) {
      this.protocolError(err);
      return;
    }
    for (const pdu of pdus) {
      if (this.isClosed()) return;
      try {
        this.onPdu(pdu);
      } catch (err) {
        this.protocolError(err);
        return;
      }
    }
  }

  private onPdu(pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.AssociateRQ:
        if (this.state !== 'awaiting-request') throw new PduError('A-ASSOCIATE-RQ on an established association', AbortReason.UnexpectedPdu);
        this.socket.pause();
        void this.negotiate(pdu.request);
        return;
      case PduType.PData:
        if (this.state !== 'associated') throw new PduError('P-DATA-TF before the association was accepted', AbortReason.UnexpectedPdu);
        for (const pdv of pdu.pdvs) this.onPdv(pdv);
        return;
      case PduType.ReleaseRQ:
        if (this.state !== 'associated') throw new PduError('A-RELEASE-RQ outside an association', AbortReason.UnexpectedPdu);
        void this.release();
        return;
      case PduType.Abort:
        this.terminate(`A-ABORT from the peer (source ${pdu.source}, reason ${pdu.reason})`, 'peer');
        return;
      case PduType.AssociateAC:
      case PduType.AssociateRJ:
      case PduType.ReleaseRP:
        throw new PduError(`Unexpected PDU type ${pdu.type} for an acceptor`, AbortReason.UnexpectedPdu);
    }
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
    // The connection may have gone while the service was deciding.
    if (this.isClosed()) return;
    if (outcome.kind === 'reject') {
      this.options.onEvent?.({ type: 'rejected', callingAETitle: request.callingAETitle, calledAETitle: request.calledAETitle, remoteAddress, explanation: outcome.explanation, reason: outcome.reason });
      this.state = 'closed';
      this.socket.end(encodeAssociateReject(outcome.result, outcome.source, outcome.reason));
      return;
    }
    this.peerMaxPduLength = request.maxPduLength;
    for (const answer of outcome.contexts) {
      const proposed = request.presentationContexts.find((pc) => pc.id === answer.id);
      if (proposed && answer.result === PresentationContextResult.Acceptance) {
        this.contexts.set(answer.id, { id: answer.id, abstractSyntax: proposed.abstractSyntax, transferSyntax: answer.transferSyntax });
      }
    }
    this.info = {
      id: randomUUID(),
      callingAETitle: request.callingAETitle,
      calledAETitle: request.calledAETitle,
      remoteAddress,
      remotePort: this.socket.remotePort ?? 0,
      implementationClassUid: request.implementationClassUid,
      peerMaxPduLength: request.maxPduLength,
      ...(request.implementationVersionName ? { implementationVersionName: request.implementationVersionName } : {}),
    };
    this.state = 'associated';
    this.socket.setTimeout(this.options.idleTimeoutMs);
    this.socket.write(
      encodeAssociateAccept({
        calledAETitle: request.calledAETitle,
        callingAETitle: request.callingAETitle,
        presentationContexts: outcome.contexts,
        maxPduLength: this.options.maxPduLength,
        implementationClassUid: IMPLEMENTATION_CLASS_UID,
        implementationVersionName: IMPLEMENTATION_VERSION_NAME,
      }),
    );
    this.options.onEvent?.({ type: 'accepted', association: this.info, contexts: outcome.contexts });
    this.socket.resume();
  }

  private onPdv(pdv: Pdv): void {
    const context = this.contexts.get(pdv.presentationContextId);
    if (!context) throw new PduError(`PDV on presentation context ${pdv.presentationContextId}, which was not accepted`, AbortReason.UnexpectedPduParameter);
    let assembly = this.assembly;
    if (assembly && assembly.context.id !== context.id) {
      throw new PduError('A PDV of another presentation context interrupts a DIMSE message (PS3.8 9.3.5.1)', AbortReason.UnexpectedPduParameter);
    }
    if (pdv.isCommand) {
      if (assembly?.command) throw new PduError('Command fragment while a data set is in progress', AbortReason.UnexpectedPduParameter);
      assembly ??= this.assembly = { context, commandParts: [] };
      assembly.commandParts.push(pdv.data);
      if (!pdv.isLast) return;
      const command = decodeCommand(Buffer.concat(assembly.commandParts));
      if (command.commandField === CommandField.CCancelRQ) {
        // Nothing Tessera performs yet can be cancelled; PS3.7 9.3.2.3 gives C-CANCEL no response.
        this.assembly = undefined;
        return;
      }
      if (!command.hasDataSet) {
        this.assembly = undefined;
        this.dispatch({ association: this.info as AssociationInfo, context, command });
        return;
      }
      assembly.command = command;
      assembly.dataSet = new Readable({ highWaterMark: DATA_SET_HIGH_WATER_MARK, read: () => this.socket.resume() });
      this.dispatch({ association: this.info as AssociationInfo, context, command, dataSet: assembly.dataSet });
      return;
    }
    if (!assembly?.dataSet) throw new PduError('Data set fragment without a command that announced one', AbortReason.UnexpectedPduParameter);
    if (!assembly.dataSet.push(pdv.data)) this.socket.pause();
    if (pdv.isLast) {
      assembly.dataSet.push(null);
      this.assembly = undefined;
    }
  }

  private dispatch(request: DimseRequest): void {
    this.busy += 1;
    this.queue = this.queue.then(() => this.perform(request)).finally(() => (this.busy -= 1));
  }

  private async perform(request: DimseRequest): Promise<void> {
    let response: DimseResponse;
    try {
      response = await this.options.handle(request);
    } catch (err) {
      if (this.state === 'closed') return;
      response = { command: { commandField: request.command.commandField | 0x8000, status: DimseStatus.ProcessingFailure, errorComment: (err as Error).message.slice(0, 64) } };
    }
    // The response goes out only after the whole request has arrived, even if the service decided earlier.
    const dataSet = request.dataSet;
    if (dataSet && !dataSet.readableEnded && !dataSet.destroyed) {
      await new Promise<void>((resolve) => {
        dataSet.on('end', resolve).on('close', resolve).on('error', resolve);
        dataSet.resume();
      });
    }
    if (this.state !== 'associated') return;
    const command: DimseCommand = { ...response.command, messageIdBeingRespondedTo: request.command.messageId ?? 0, hasDataSet: response.dataSet !== undefined };
    this.send(request.context.id, command, response.dataSet);
  }

  private send(contextId: number, command: DimseCommand, dataSet: Buffer | undefined): void {
    this.socket.cork();
    for (const b of encodePData(contextId, true, encodeCommand(command), this.peerMaxPduLength)) this.socket.write(b);
    if (dataSet) for (const b of encodePData(contextId, false, dataSet, this.peerMaxPduLength)) this.socket.write(b);
    this.socket.uncork();
  }

  private async release(): Promise<void> {
    this.socket.pause();
    await this.queue;
    if (this.state !== 'associated') return;
    this.state = 'closed';
    this.options.onEvent?.({ type: 'released', association: this.info as AssociationInfo });
    this.socket.end(encodeReleaseResponse());
  }

  private onTimeout(): void {
    if (this.state === 'awaiting-request') {
      this.terminate('ARTIM expired before an A-ASSOCIATE-RQ arrived');
      this.socket.destroy();
      return;
    }
    // A service still working on a request is not idleness; a stalled transfer or a silent peer is.
    if (this.busy > 0 && !this.assembly) return;
    this.sendAbort(AbortSource.ServiceProvider, AbortReason.NotSpecified, this.assembly ? 'DIMSE timeout: a message stalled mid-transfer' : 'network timeout: the association was idle');
  }

  private protocolError(err: unknown): void {
    const reason = err instanceof PduError ? err.abortReason : AbortReason.UnexpectedPduParameter;
    this.sendAbort(AbortSource.ServiceProvider, reason, `protocol error: ${(err as Error).message}`);
  }

  private sendAbort(source: number, reason: number, explanation: string): void {
    if (this.state === 'closed') return;
    this.failAssembly(explanation);
    this.state = 'closed';
    this.options.onEvent?.({ type: 'aborted', by: 'local', explanation, ...(this.info ? { association: this.info } : {}) });
    this.socket.end(encodeAbort(source, reason));
    setTimeout(() => this.socket.destroy(), this.options.artimTimeoutMs).unref();
  }

  private terminate(explanation: string, by?: 'peer'): void {
    if (this.state === 'closed') return;
    this.failAssembly(explanation);
    this.state = 'closed';
    const association = this.info ? { association: this.info } : {};
    this.options.onEvent?.(by === 'peer' ? { type: 'aborted', by, explanation, ...association } : { type: 'closed', explanation, ...association });
    this.socket.destroy();
  }

  // A data set cut short by an abort or a lost connection must never look complete to its consumer.
  private failAssembly(explanation: string): void {
    const dataSet = this.assembly?.dataSet;
    this.assembly = undefined;
    if (dataSet && !dataSet.readableEnded) dataSet.destroy(new AssociationAbortedError(explanation));
  }
}
