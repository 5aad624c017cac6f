import { BCP195_NON_DOWNGRADING } from '@tessera/dicom';
import { encodeMllpFrame, MllpDecoder, type MllpEvent } from '@tessera/hl7';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { MllpPeer, MllpReply } from './mllp-message-handler';

/** What a connection saw that is not a message: for the log, with the peer's address. */
export type MllpConnectionEvent =
  | { readonly type: 'opened' | 'closed' | 'idle'; readonly peer: MllpPeer }
  | { readonly type: 'outside-frame'; readonly peer: MllpPeer; readonly bytes: number }
  | { readonly type: 'truncated'; readonly peer: MllpPeer; readonly bytes: number; readonly cause: 'start-block' | 'end-of-stream' }
  | { readonly type: 'tls-secured'; readonly peer: MllpPeer; readonly protocol: string; readonly cipher: string; readonly clientCertificate?: string }
  | { readonly type: 'tls-refused'; readonly remoteAddress: string; readonly reason: string };

export interface MllpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxMessageBytes: number;
  readonly idleTimeoutMs: number;
  /** With this the listener speaks TLS only; with `ca`, every client must show a certificate it signed. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
  message(payload: Buffer, peer: MllpPeer): Promise<MllpReply>;
  oversized(head: Buffer, size: number, peer: MllpPeer): MllpReply;
  onEvent(event: MllpConnectionEvent): void;
}

/** An MLLP listener: one MllpConnection per TCP or TLS connection. */
export class MllpServer {
  private server: Server | undefined;
  private readonly connections = new Set<MllpConnection>();

  constructor(private readonly options: MllpServerOptions) {}

  /** Starts listening; resolves with the bound port (useful when port is 0). */
  async listen(): Promise<number> {
    // Half-open: a sender that shuts down its side after its last message still gets the acknowledgement.
    const server = this.options.tls
      ? this.createTls(this.options.tls)
      : createServer({ noDelay: true, allowHalfOpen: true }, (socket) => {
          socket.setNoDelay(true);
          this.accept(socket);
        });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  /**
   * Stops accepting; each connection is closed once the messages it has received are answered and
   * no frame is half read; after `graceMs` the ones still open are cut.
   */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of this.connections) connection.shutdown();
    const deadline = setTimeout(() => {
      for (const connection of this.connections) connection.destroy();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }

  private createTls(tls: NonNullable<MllpServerOptions['tls']>): Server {
    const server = createTlsServer(
      {
        ...BCP195_NON_DOWNGRADING,
        honorCipherOrder: true,
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca !== undefined ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
        handshakeTimeout: Math.min(this.options.idleTimeoutMs, 30_000),
        allowHalfOpen: true,
      },
      (socket: TLSSocket) => {
        const certificate = tls.ca !== undefined ? socket.getPeerX509Certificate() : undefined;
        const connection = this.accept(socket);
        this.options.onEvent({
          type: 'tls-secured',
          peer: connection.peer,
          protocol: socket.getProtocol() ?? '',
          cipher: socket.getCipher().standardName,
          ...(certificate ? { clientCertificate: certificate.subject.replaceAll('\n', ', ') } : {}),
        });
      },
    );
    // TCP_NODELAY on the TCP socket under TLS: an acknowledgement is one small write (ARCHITECTURE §8).
    server.on('connection', (raw: Socket) => raw.setNoDelay(true));
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => this.options.onEvent({ type: 'tls-refused', remoteAddress: socket.remoteAddress ?? '', reason: `TLS handshake failed: ${err.message}` }));
    return server;
  }

  private accept(socket: Socket): MllpConnection {
    const connection = new MllpConnection(socket, this.options);
    this.connections.add(connection);
    socket.once('close', () => this.connections.delete(connection));
    return connection;
  }
}

type Frame = Extract<MllpEvent, { type: 'message' | 'oversized' }>;

/**
 * One MLLP connection: frames are answered one at a time and in the order they came, each answer on
 * the same connection. Reading pauses while a message is being processed, so a sender that does
 * not wait for its acknowledgements cannot pile up work.
 */
class MllpConnection {
  readonly peer: MllpPeer;
  private readonly decoder: MllpDecoder;
  private readonly queue: Frame[] = [];
  private busy = false;
  private stopping = false;
  private peerEnded = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: MllpServerOptions,
  ) {
    this.peer = { connection: randomBytes(4).toString('hex'), remoteAddress: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}` };
    this.decoder = new MllpDecoder(options.maxMessageBytes);
    options.onEvent({ type: 'opened', peer: this.peer });
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.take(this.decoder.push(chunk)));
    socket.on('end', () => {
      this.peerEnded = true;
      this.take(this.decoder.end());
      this.finishIfDone();
    });
    socket.on('timeout', () => {
      // Still open an idle timeout after Tessera ended its side: the peer is not closing, so cut it.
      if (socket.writableEnded) {
        socket.destroy();
        return;
      }
      if (this.busy) return;
      options.onEvent({ type: 'idle', peer: this.peer });
      this.take(this.decoder.end());
      socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => options.onEvent({ type: 'closed', peer: this.peer }));
  }

  /** Stop once what has been received is answered. */
  shutdown(): void {
    this.stopping = true;
    this.finishIfDone();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(events: readonly MllpEvent[]): void {
    for (const event of events) {
      switch (event.type) {
        case 'message':
        case 'oversized':
          this.queue.push(event);
          break;
        case 'outside-frame':
          this.options.onEvent({ type: 'outside-frame', peer: this.peer, bytes: event.bytes });
          break;
        case 'truncated':
          this.options.onEvent({ type: 'truncated', peer: this.peer, bytes: event.size, cause: event.cause });
          break;
      }
    }
    // The handler answers every failure of its own; anything else leaves the connection unusable.
    this.pump().catch(() => this.socket.destroy());
  }

  private async pump(): Promise<void> {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    this.socket.pause();
    while (this.queue.length > 0) {
      const frame = this.queue.shift() as Frame;
      const reply = frame.type === 'message' ? await this.options.message(frame.payload, this.peer) : this.options.oversized(frame.head, frame.size, this.peer);
      if (this.socket.destroyed) return;
      if (reply.acknowledgement) this.socket.write(encodeMllpFrame(reply.acknowledgement));
      if (reply.close) {
        this.queue.length = 0;
        this.socket.end();
        return;
      }
    }
    this.busy = false;
    this.socket.resume();
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.busy || this.queue.length > 0) return;
    if (this.peerEnded || (this.stopping && !this.decoder.inFrame)) this.socket.end();
  }
}
