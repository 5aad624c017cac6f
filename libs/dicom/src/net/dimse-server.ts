import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { AssociationAcceptor, type AcceptorOptions } from './association-acceptor';
import { RejectReason, RejectResult, RejectSource } from './pdu';
import { BCP195_NON_DOWNGRADING, type TlsCredentials } from './tls-profile';

/** A listener's TLS (PS3.15 B.9): its certificate, and whether and whom clients must prove to be. */
export interface DimseServerTls extends TlsCredentials {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /**
   * none: no client certificate is asked for; optional: one is asked for, and a client that shows
   * one that `ca` does not vouch for is refused; required: a client without a valid one is refused
   * during the handshake, before any DICOM PDU is read.
   */
  readonly clientAuth: 'none' | 'optional' | 'required';
}

/** What happened to a TLS connection before association negotiation. */
export type TlsEvent =
  | { readonly type: 'secured'; readonly remoteAddress: string; readonly protocol: string; readonly cipher: string; readonly clientCertificate?: string }
  | { readonly type: 'refused'; readonly remoteAddress: string; readonly explanation: string };

/** Where and how a DIMSE listener accepts associations. */
export interface DimseServerOptions extends AcceptorOptions {
  readonly host: string;
  readonly port: number;
  /** Associations beyond this are rejected as transient "local limit exceeded" (PS3.8 9.3.4). */
  readonly maxAssociations: number;
  /** Associations open on other listeners of the process that count towards maxAssociations. */
  readonly otherAssociations?: () => number;
  /** With this, the listener speaks DICOM over TLS only; without, plain TCP. */
  readonly tls?: DimseServerTls;
  onTlsEvent?(event: TlsEvent): void;
}

/** A TCP or TLS listener that runs one AssociationAcceptor per connection. */
export class DimseServer {
  private server: Server | undefined;
  private readonly open = new Set<AssociationAcceptor>();

  constructor(private readonly options: DimseServerOptions) {}

  /** The connections open on this listener (negotiating or associated). */
  get openAssociations(): number {
    return this.open.size;
  }

  /** Starts listening; resolves with the bound port (useful when port is 0). */
  async listen(): Promise<number> {
    const server = this.options.tls ? this.createTls(this.options.tls) : createServer({ noDelay: true }, (socket) => this.accept(socket));
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

  /** Stops accepting, then aborts the associations still open after `graceMs`. */
  async close(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = setTimeout(() => {
      for (const acceptor of this.open) acceptor.abort('the server is shutting down');
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }

  // The association starts only once the handshake is complete and the client is who it must be:
  // DICOM PDUs are never read from a connection that is not yet (or not) secure (PS3.15 B.9).
  private createTls(tls: DimseServerTls): Server {
    const server = createTlsServer(
      {
        ...BCP195_NON_DOWNGRADING,
        // The server's order of suites wins, so that a client cannot steer towards its weakest shared one.
        honorCipherOrder: true,
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        requestCert: tls.clientAuth !== 'none',
        rejectUnauthorized: tls.clientAuth === 'required',
        // A client that connects and never completes the handshake is dropped like one that never sends an A-ASSOCIATE-RQ (PS3.8 9.1.5).
        handshakeTimeout: this.options.artimTimeoutMs,
      },
      (socket) => this.acceptSecure(socket, tls),
    );
    // TCP_NODELAY on the TCP socket under TLS: without it loopback DIMSE crawls (ARCHITECTURE §8).
    server.on('connection', (raw: Socket) => raw.setNoDelay(true));
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => this.options.onTlsEvent?.({ type: 'refused', remoteAddress: socket.remoteAddress ?? '', explanation: `TLS handshake failed: ${err.message}` }));
    return server;
  }

  private acceptSecure(socket: TLSSocket, tls: DimseServerTls): void {
    const remoteAddress = socket.remoteAddress ?? '';
    const certificate = tls.clientAuth === 'none' ? undefined : socket.getPeerX509Certificate();
    // With "optional", a client may show no certificate, but not one that the trusted CAs did not sign.
    if (certificate && !socket.authorized) {
      this.options.onTlsEvent?.({ type: 'refused', remoteAddress, explanation: `client certificate not trusted: ${String(socket.authorizationError)}` });
      socket.destroy();
      return;
    }
    this.options.onTlsEvent?.({
      type: 'secured',
      remoteAddress,
      protocol: socket.getProtocol() ?? '',
      cipher: socket.getCipher().standardName,
      ...(certificate ? { clientCertificate: certificate.subject.replaceAll('\n', ', ') } : {}),
    });
    this.accept(socket);
  }

  private accept(socket: Socket): void {
    const full = this.open.size + (this.options.otherAssociations?.() ?? 0) >= this.options.maxAssociations;
    let acceptor: AssociationAcceptor | undefined = undefined;
    acceptor = new AssociationAcceptor(socket, {
      ...this.options,
      negotiate: (request, remoteAddress) =>
        full
          ? {
              kind: 'reject',
              result: RejectResult.Transient,
              source: RejectSource.ServiceProviderPresentation,
              reason: RejectReason.LocalLimitExceeded,
              explanation: `${this.options.maxAssociations} associations are already open`,
            }
          : this.options.negotiate(request, remoteAddress),
    });
    this.open.add(acceptor);
    socket.on('close', () => this.open.delete(acceptor as AssociationAcceptor));
  }
}
