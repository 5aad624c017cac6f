import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { CommandField, DimseStatus, decodeCommand, encodeCommand, type DimseCommand } from './dimse';
import { AbortReason, AbortSource, PduError, PduType, encodeAbort, encodePData, encodeReleaseRequest, encodeReleaseResponse, type Pdu, type Pdv, type RoleSelection, type SopClassExtendedNegotiation } from './pdu';
import { PduReader } from './pdu-reader';

/** An accepted presentation context. */
export interface AcceptedContext {
  readonly id: number;
  readonly abstractSyntax: string;
  readonly transferSyntax: string;
}

/** The user an association's requester proved to be by User Identity Negotiation (PS3.7 D.3.3.7). */
export interface AssociationUser {
  /** A stable identifier: the token's subject, or the account's username. */
  readonly id: string;
  /** A readable name for logs and audit. */
  readonly name: string;
  /** Who vouched for the user: the token's issuer. */
  readonly issuer: string;
}

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
  /** The SCP/SCU role selections the acceptor agreed to (PS3.7 D.3.3.4); none means the default roles. */
  readonly roleSelections: readonly RoleSelection[];
  /** The SOP Class Extended Negotiation the acceptor agreed to (PS3.7 D.3.3.5): its answers. */
  readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
  /** The user whose identity the acceptor verified; absent when none was offered or checked. */
  readonly user?: AssociationUser;
  /** As requester: the acceptor's positive User Identity response (PS3.7 D.3.3.7.2), if it sent one. */
  readonly userIdentityServerResponse?: Buffer;
}

/** A DIMSE message received: its command and, when one follows, its data set streaming in. */
export interface DimseMessage {
  readonly context: AcceptedContext;
  readonly command: DimseCommand;
  readonly dataSet?: Readable;
}

/** A response to send; the connection fills in the message id it responds to. */
export interface DimseResponse {
  readonly command: Omit<DimseCommand, 'messageIdBeingRespondedTo' | 'hasDataSet'>;
  readonly dataSet?: Buffer;
  /**
   * Runs once a final response is on the wire: what must follow it, never precede it (the
   * N-EVENT-REPORT of a storage commitment after its N-ACTION-RSP, PS3.4 J.3.3).
   */
  readonly onSent?: () => void;
}

/** One incoming request, with what the service needs to answer it over time. */
export interface DimseRequest extends DimseMessage {
  readonly association: AssociationInfo;
  /** Aborted when the peer sends C-CANCEL for this request (PS3.7 9.3.2.3) or the association ends. */
  readonly cancelled: AbortSignal;
  /** Sends a pending (or other intermediate) response; the final one is the handler's return value. */
  sendPending(response: DimseResponse): Promise<void>;
  /** The connection itself, for sub-operations on the same association (C-GET, PS3.4 C.4.3). */
  readonly connection: DimseConnection;
}

/** The error a data set stream fails with when its association dies mid-transfer. */
export class AssociationAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssociationAbortedError';
  }
}

/** Things that happen to a connection after negotiation. */
export type ConnectionEvent =
  | { readonly type: 'released'; readonly by: 'peer' | 'local' }
  | { readonly type: 'aborted'; readonly by: 'peer' | 'local'; readonly explanation: string }
  | { readonly type: 'closed'; readonly explanation: string };

/** Settings of a connection once negotiated. */
export interface ConnectionOptions {
  readonly info: AssociationInfo;
  readonly contexts: ReadonlyMap<number, AcceptedContext>;
  /** Maximum Length Received announced to the peer, and enforced. */
  readonly maxPduLength: number;
  /** How long a message may stall mid-transfer, or the association stay silent, before A-ABORT. */
  readonly idleTimeoutMs: number;
  /** How long to wait for a response to a request we sent. */
  readonly responseTimeoutMs: number;
  /** Serves the requests of the peer; without it, any request is answered "unrecognized operation". */
  readonly handle?: (request: DimseRequest) => Promise<DimseResponse>;
  readonly onEvent?: (event: ConnectionEvent) => void;
  /** Bytes that arrived after the negotiation PDU, before this connection existed. */
  readonly leftover?: Buffer;
}

// How much of an incoming data set may wait in memory for its consumer before the socket pauses.
const DATA_SET_HIGH_WATER_MARK = 4 * 1024 * 1024;

interface Assembly {
  context: AcceptedContext;
  commandParts: Buffer[];
  command?: DimseCommand;
  dataSet?: Readable;
}

interface Outstanding {
  readonly onResponse: (message: DimseMessage) => void;
  readonly onFailure: (error: Error) => void;
}

/**
 * DIMSE messaging over an established association (PS3.7 8, PS3.8 9.3.5), for both sides: assembles
 * incoming messages from PDVs, hands requests to the service one at a time (no asynchronous
 * operations window is negotiated) with a cancellation signal, correlates responses with the
 * requests this side sent, and sends messages with data sets streamed under the peer's maximum PDU.
 */
export class DimseConnection {
  private state: 'open' | 'releasing' | 'closed' = 'open';
  private readonly reader: PduReader;
  private assembly: Assembly | undefined;
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;
  private nextMessageId = 1;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly running = new Map<number, AbortController>();
  private sending: Promise<void> = Promise.resolve();
  private releaseWaiter: (() => void) | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.reader = new PduReader(options.maxPduLength);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.onTimeout());
    socket.on('error', (err) => this.terminate(`transport error: ${err.message}`));
    socket.on('close', () => this.terminate('the peer closed the connection'));
    if (options.leftover && options.leftover.length > 0) this.onData(options.leftover);
  }

  get info(): AssociationInfo {
    return this.options.info;
  }

  /** Accepted presentation contexts, by id. */
  get contexts(): ReadonlyMap<number, AcceptedContext> {
    return this.options.contexts;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** The accepted context for an abstract syntax (and, if given, a transfer syntax). */
  contextFor(abstractSyntax: string, transferSyntax?: string): AcceptedContext | undefined {
    for (const c of this.options.contexts.values()) {
      if (c.abstractSyntax === abstractSyntax && (transferSyntax === undefined || c.transferSyntax === transferSyntax)) return c;
    }
    return undefined;
  }

  /**
   * Sends a request and returns its responses as they come: pending ones, then the final one
   * (PS3.7 9.3: every status other than FF00/FF01 is final). The data set streams from a Readable.
   */
  async *request(context: AcceptedContext, command: Omit<DimseCommand, 'messageId' | 'hasDataSet'>, dataSet?: Readable | Buffer): AsyncGenerator<DimseMessage> {
    if (this.state !== 'open') throw new AssociationAbortedError('the association is no longer open');
    const messageId = this.nextMessageId;
    this.nextMessageId = (this.nextMessageId % 0xffff) + 1;
    const inbox: DimseMessage[] = [];
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    this.outstanding.set(messageId, {
      onResponse: (m) => {
        inbox.push(m);
        wake?.();
      },
      onFailure: (e) => {
        failure = e;
        wake?.();
      },
    });
    try {
      await this.send(context.id, { ...command, messageId, hasDataSet: dataSet !== undefined }, dataSet);
      for (;;) {
        while (inbox.length === 0 && !failure) {
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no response to message ${messageId} within ${this.options.responseTimeoutMs} ms`)), this.options.responseTimeoutMs);
            wake = () => {
              clearTimeout(timer);
              wake = undefined;
              resolve();
            };
          });
        }
        const next = inbox.shift();
        if (!next) throw failure as Error;
        yield next;
        const status = next.command.status ?? 0;
        if (status !== DimseStatus.Pending && status !== 0xff01) return;
      }
    } finally {
      this.outstanding.delete(messageId);
    }
  }

  /** Sends C-CANCEL for a request this side sent (PS3.7 9.3.2.3). */
  async cancel(context: AcceptedContext, messageIdBeingRespondedTo: number): Promise<void> {
    await this.send(context.id, { commandField: CommandField.CCancelRQ, messageIdBeingRespondedTo, hasDataSet: false });
  }

  /** Ends the association with A-RELEASE (PS3.8 7.2) once the peer answers, or aborts after the timeout. */
  async release(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'releasing';
    const answered = new Promise<void>((resolve) => (this.releaseWaiter = resolve));
    this.socket.write(encodeReleaseRequest());
    const timer = setTimeout(() => this.abort('no A-RELEASE-RP'), this.options.responseTimeoutMs);
    await answered;
    clearTimeout(timer);
  }

  /** Ends the association with an A-ABORT. */
  abort(explanation: string, source: number = AbortSource.ServiceUser, reason: number = AbortReason.NotSpecified): void {
    if (this.state === 'closed') return;
    this.fail(explanation);
    this.state = 'closed';
    this.options.onEvent?.({ type: 'aborted', by: 'local', explanation });
    this.socket.end(encodeAbort(source, reason));
    setTimeout(() => this.socket.destroy(), 5000).unref();
    this.releaseWaiter?.();
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

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private onPdu(pdu: Pdu): void {
    switch (pdu.type) {
      case PduType.PData:
        for (const pdv of pdu.pdvs) this.onPdv(pdv);
        return;
      case PduType.ReleaseRQ:
        void this.answerRelease();
        return;
      case PduType.ReleaseRP:
        if (this.state !== 'releasing') throw new PduError('A-RELEASE-RP without an A-RELEASE-RQ', AbortReason.UnexpectedPdu);
        this.state = 'closed';
        this.options.onEvent?.({ type: 'released', by: 'local' });
        this.socket.end();
        this.releaseWaiter?.();
        return;
      case PduType.Abort:
        this.terminate(`A-ABORT from the peer (source ${pdu.source}, reason ${pdu.reason})`, 'peer');
        return;
      case PduType.AssociateRQ:
      case PduType.AssociateAC:
      case PduType.AssociateRJ:
        throw new PduError(`Unexpected PDU type ${pdu.type} on an established association`, AbortReason.UnexpectedPdu);
    }
  }

  private onPdv(pdv: Pdv): void {
    const context = this.options.contexts.get(pdv.presentationContextId);
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
      if (!command.hasDataSet) {
        this.assembly = undefined;
        this.deliver({ context, command });
        return;
      }
      assembly.command = command;
      assembly.dataSet = new Readable({ highWaterMark: DATA_SET_HIGH_WATER_MARK, read: () => this.socket.resume() });
      this.deliver({ context, command, dataSet: assembly.dataSet });
      return;
    }
    if (!assembly?.dataSet) throw new PduError('Data set fragment without a command that announced one', AbortReason.UnexpectedPduParameter);
    if (!assembly.dataSet.push(pdv.data)) this.socket.pause();
    if (pdv.isLast) {
      assembly.dataSet.push(null);
      this.assembly = undefined;
    }
  }

  // Responses go to the request they answer; C-CANCEL to the operation it cancels; requests queue up.
  private deliver(message: DimseMessage): void {
    const field = message.command.commandField;
    if (field === CommandField.CCancelRQ) {
      this.running.get(message.command.messageIdBeingRespondedTo ?? -1)?.abort();
      return;
    }
    if ((field & 0x8000) !== 0) {
      const outstanding = this.outstanding.get(message.command.messageIdBeingRespondedTo ?? -1);
      if (!outstanding) throw new PduError(`A response to message ${message.command.messageIdBeingRespondedTo}, which is not outstanding`, AbortReason.UnexpectedPduParameter);
      outstanding.onResponse(message);
      return;
    }
    this.busy += 1;
    this.queue = this.queue.then(() => this.perform(message)).finally(() => (this.busy -= 1));
  }

  private async perform(message: DimseMessage): Promise<void> {
    const messageId = message.command.messageId ?? 0;
    const cancellation = new AbortController();
    this.running.set(messageId, cancellation);
    const request: DimseRequest = {
      ...message,
      association: this.options.info,
      cancelled: cancellation.signal,
      connection: this,
      // After each pending response the event loop gets a turn: a service answering from memory must
      // not starve the socket, or a C-CANCEL or A-ABORT would wait until the operation is over.
      sendPending: async (response) => {
        await this.respond(message, response);
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    };
    let response: DimseResponse;
    try {
      response = this.options.handle
        ? await this.options.handle(request)
        : { command: { commandField: message.command.commandField | 0x8000, status: DimseStatus.UnrecognizedOperation } };
    } catch (err) {
      if (this.state === 'closed') return;
      response = { command: { commandField: message.command.commandField | 0x8000, status: DimseStatus.ProcessingFailure, errorComment: (err as Error).message.slice(0, 64) } };
    } finally {
      this.running.delete(messageId);
    }
    // The response goes out only after the whole request has arrived, even if the service decided earlier.
    const dataSet = message.dataSet;
    if (dataSet && !dataSet.readableEnded && !dataSet.destroyed) {
      await new Promise<void>((resolve) => {
        dataSet.on('end', resolve).on('close', resolve).on('error', resolve);
        dataSet.resume();
      });
    }
    if (this.state === 'closed') return;
    await this.respond(message, response);
    response.onSent?.();
  }

  private async respond(to: DimseMessage, response: DimseResponse): Promise<void> {
    if (this.state === 'closed') throw new AssociationAbortedError('the association is no longer open');
    await this.send(to.context.id, { ...response.command, messageIdBeingRespondedTo: to.command.messageId ?? 0, hasDataSet: response.dataSet !== undefined }, response.dataSet);
  }

  // Whole messages go out one after another; a data set streams under the peer's maximum PDU length.
  private send(contextId: number, command: DimseCommand, dataSet?: Readable | Buffer): Promise<void> {
    const sent = this.sending.then(() => this.sendNow(contextId, command, dataSet));
    this.sending = sent.catch(() => undefined);
    return sent;
  }

  private async sendNow(contextId: number, command: DimseCommand, dataSet?: Readable | Buffer): Promise<void> {
    const max = this.options.info.peerMaxPduLength;
    await this.write(encodePData(contextId, true, encodeCommand(command), max));
    if (dataSet === undefined) return;
    if (Buffer.isBuffer(dataSet)) {
      await this.write(encodePData(contextId, false, dataSet, max));
      return;
    }
    // Fragments are cut from each chunk as it comes, without copying; one is held back so that the
    // last can be marked last (PS3.8 E.2). Each chunk's PDUs go out in one write.
    const fragment = max === 0 ? 1024 * 1024 : max - 6;
    let held: Buffer | undefined;
    let carry: Buffer = Buffer.alloc(0);
    const out: Buffer[] = [];
    const emit = (piece: Buffer): void => {
      if (held) out.push(...encodePData(contextId, false, held, max, false));
      held = piece;
    };
    for await (const chunk of dataSet) {
      let data = chunk as Buffer;
      if (carry.length > 0) {
        const need = fragment - carry.length;
        if (data.length < need) {
          carry = Buffer.concat([carry, data]);
          continue;
        }
        emit(Buffer.concat([carry, data.subarray(0, need)]));
        data = data.subarray(need);
        carry = Buffer.alloc(0);
      }
      let offset = 0;
      for (; data.length - offset >= fragment; offset += fragment) emit(data.subarray(offset, offset + fragment));
      carry = Buffer.from(data.subarray(offset));
      if (out.length > 0) await this.write(out.splice(0));
    }
    if (carry.length > 0) emit(carry);
    out.push(...encodePData(contextId, false, held ?? Buffer.alloc(0), max, true));
    await this.write(out);
  }

  private async write(buffers: Buffer[]): Promise<void> {
    if (this.state === 'closed') throw new AssociationAbortedError('the association is no longer open');
    let ok = true;
    this.socket.cork();
    for (const b of buffers) ok = this.socket.write(b) && ok;
    this.socket.uncork();
    if (!ok) await new Promise<void>((resolve) => this.socket.once('drain', resolve).once('close', resolve));
  }

  private async answerRelease(): Promise<void> {
    this.socket.pause();
    await this.queue;
    if (this.state === 'closed') return;
    // Requests this side sent that the peer did not answer before releasing will not be answered now.
    const unanswered = new AssociationAbortedError('the peer released the association before answering');
    for (const o of this.outstanding.values()) o.onFailure(unanswered);
    this.state = 'closed';
    this.options.onEvent?.({ type: 'released', by: 'peer' });
    this.socket.end(encodeReleaseResponse());
  }

  private onTimeout(): void {
    // A service still working on a request, or waiting for a response, is not idleness.
    if ((this.busy > 0 || this.outstanding.size > 0) && !this.assembly) return;
    this.abort(this.assembly ? 'DIMSE timeout: a message stalled mid-transfer' : 'network timeout: the association was idle', AbortSource.ServiceProvider);
  }

  private protocolError(err: unknown): void {
    const reason = err instanceof PduError ? err.abortReason : AbortReason.UnexpectedPduParameter;
    this.abort(`protocol error: ${(err as Error).message}`, AbortSource.ServiceProvider, reason);
  }

  private terminate(explanation: string, by?: 'peer'): void {
    if (this.state === 'closed') return;
    this.fail(explanation);
    this.state = 'closed';
    this.options.onEvent?.(by === 'peer' ? { type: 'aborted', by, explanation } : { type: 'closed', explanation });
    this.socket.destroy();
    this.releaseWaiter?.();
  }

  // Everything in flight learns that the association is gone: a data set cut short must never look complete.
  private fail(explanation: string): void {
    const error = new AssociationAbortedError(explanation);
    const dataSet = this.assembly?.dataSet;
    this.assembly = undefined;
    if (dataSet && !dataSet.readableEnded) dataSet.destroy(error);
    for (const o of this.outstanding.values()) o.onFailure(error);
    for (const c of this.running.values()) c.abort();
  }
}
