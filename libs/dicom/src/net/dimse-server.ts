import { createServer, type Server, type Socket } from 'node:net';
import { AssociationAcceptor, type AcceptorOptions } from './association-acceptor';
import { RejectReason, RejectResult, RejectSource } from './pdu';

/** Where and how a DIMSE listener accepts associations. */
export interface DimseServerOptions extends AcceptorOptions {
  readonly host: string;
  readonly port: number;
  /** Associations beyond this are rejected as transient "local limit exceeded" (PS3.8 9.3.4). */
  readonly maxAssociations: number;
}

/** A TCP listener that runs one AssociationAcceptor per connection. */
export class DimseServer {
  private server: Server | undefined;
  private readonly open = new Set<AssociationAcceptor>();

  constructor(private readonly options: DimseServerOptions) {}

  /** Starts listening; resolves with the bound port (useful when port is 0). */
  async listen(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
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

  private accept(socket: Socket): void {
    const full = this.open.size >= this.options.maxAssociations;
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
