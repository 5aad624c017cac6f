import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { TesseraConfig } from '@tessera/config';
import { CONFIG, LOGGER } from '@tessera/platform';
import type { Logger } from '@tessera/telemetry';
import { MllpMessageHandler } from './mllp-message-handler';
import { MllpServer, type MllpConnectionEvent, type MllpServerOptions } from './mllp-server';

/** The hl7 role's MLLP listeners: plain, and TLS when MLLP_TLS_PORT is set. */
@Injectable()
export class MllpListener implements OnApplicationBootstrap, OnModuleDestroy {
  private server: MllpServer | undefined;
  private tlsServer: MllpServer | undefined;
  private readonly logger: Logger;
  /** The bound port (differs from the setting when that is 0); 0 while not listening. */
  port = 0;
  /** The bound MLLP TLS port; 0 while there is no TLS listener. */
  tlsPort = 0;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly handler: MllpMessageHandler,
  ) {
    this.logger = logger.child({ component: 'mllp' });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { mllp } = this.config;
    const common: Omit<MllpServerOptions, 'port'> = {
      host: mllp.host,
      maxMessageBytes: mllp.maxMessageBytes,
      idleTimeoutMs: mllp.idleTimeoutMs,
      message: (payload, peer) => this.handler.message(payload, peer),
      oversized: (head, size, peer) => this.handler.oversized(head, size, peer),
      onEvent: (event) => this.log(event),
    };
    this.server = new MllpServer({ ...common, port: mllp.port });
    this.port = await this.server.listen();
    this.logger.info('MLLP listening', { port: this.port, maxMessageBytes: mllp.maxMessageBytes, receivingFacilities: mllp.receivingFacilities });
    const { tls } = mllp;
    if (tls.port === undefined || !tls.certificate) return;
    this.tlsServer = new MllpServer({
      ...common,
      port: tls.port,
      tls: { cert: tls.certificate.chain, key: tls.certificate.key.export({ type: 'pkcs8', format: 'pem' }) as string, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) },
    });
    this.tlsPort = await this.tlsServer.listen();
    this.logger.info('MLLP TLS listening', {
      port: this.tlsPort,
      profile: 'BCP 195, TLS 1.2 or later',
      clientCertificates: tls.ca !== undefined ? 'required' : 'none',
      certificate: tls.certificate.subject.replaceAll('\n', ', '),
      certificateValidTo: tls.certificate.validTo,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.server?.close(), this.tlsServer?.close()]);
  }

  private log(event: MllpConnectionEvent): void {
    switch (event.type) {
      case 'opened':
        this.logger.info('MLLP connection opened', { connection: event.peer.connection, remote: event.peer.remoteAddress });
        break;
      case 'closed':
        this.logger.info('MLLP connection closed', { connection: event.peer.connection });
        break;
      case 'idle':
        this.logger.info('MLLP connection idle; closing it', { connection: event.peer.connection, idleTimeoutMs: this.config.mllp.idleTimeoutMs });
        break;
      case 'outside-frame':
        this.logger.warn('MLLP bytes outside a frame, dropped', { connection: event.peer.connection, remote: event.peer.remoteAddress, bytes: event.bytes });
        break;
      case 'truncated':
        this.logger.warn('MLLP frame cut short, not acknowledged', { connection: event.peer.connection, remote: event.peer.remoteAddress, bytes: event.bytes, cause: event.cause });
        break;
      case 'tls-secured':
        this.logger.info('MLLP TLS connection', { connection: event.peer.connection, remote: event.peer.remoteAddress, protocol: event.protocol, cipher: event.cipher, clientCertificate: event.clientCertificate });
        break;
      case 'tls-refused':
        this.logger.warn('MLLP TLS connection refused', { remote: event.remoteAddress, reason: event.reason });
        break;
    }
  }
}
