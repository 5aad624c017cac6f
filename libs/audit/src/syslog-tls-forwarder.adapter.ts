import { BCP195_NON_DOWNGRADING } from '@tessera/dicom';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { AuditForwarder } from './audit-forwarder.port';
import type { AuditMessage } from './audit-message';
import { formatSyslogMessage, frameSyslogMessage, type SyslogOrigin } from './syslog-message';
import type { SpoolEntry, SyslogSpool } from './syslog-spool';

/** Where and how to reach the syslog collector (an ATNA Audit Record Repository) over TLS. */
export interface SyslogTlsOptions {
  readonly host: string;
  /** 6514 is the port RFC 5425 registers. */
  readonly port: number;
  /** The CA certificates trusted for the collector's certificate, PEM; Node's public CAs without them. */
  readonly ca?: string | Buffer;
  /** Our client certificate chain and key, PEM, for collectors that authenticate their senders (IHE ATNA node authentication). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** The name the collector's certificate must carry, when it is not `host`. */
  readonly servername?: string;
  /**
   * How long a connection must stay up after a batch was written before the batch leaves the spool.
   * RFC 5425 has no acknowledgement: a collector that goes away shows it by closing the connection,
   * and this is how long we watch for that.
   */
  readonly confirmAfterMs?: number;
  /** Reconnection delays: doubling from `initialMs` up to `maxMs`. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly connectTimeoutMs?: number;
  /** At most this many messages are written before waiting for confirmation. */
  readonly batchSize?: number;
}

/** What the forwarder does, for logs and health checks. */
export interface SyslogForwarderObserver {
  /** A batch was written to the connection; it leaves the spool only if the connection stays up. */
  written?(count: number): void;
  /** A batch was confirmed and left the spool. */
  delivered?(count: number): void;
  failed?(error: Error, retryInMs: number): void;
}

/** An open TLS connection and whether it is still good. */
interface Connection {
  readonly socket: tls.TLSSocket;
  /** Resolves when the connection ends, fails or closes. */
  readonly lost: Promise<void>;
  isLost(): boolean;
}

/**
 * Forwards audit messages to a syslog collector over TLS (RFC 5425, octet-counting framing),
 * at least once: every message is in the spool before forward() resolves, is written to the
 * collector in spool order, and leaves the spool only when the connection it was written to is
 * still up `confirmAfterMs` later. A lost connection sends the whole unconfirmed batch again.
 */
export class SyslogTlsForwarder implements AuditForwarder {
  private connection?: Connection;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;
  /** Set by forward(), cleared before each look at the spool: no message waits for the next one. */
  private moreWork = false;

  constructor(
    private readonly spool: SyslogSpool,
    private readonly origin: SyslogOrigin,
    private readonly options: SyslogTlsOptions,
    private readonly observer: SyslogForwarderObserver = {},
  ) {}

  async forward(message: AuditMessage): Promise<void> {
    await this.spool.add(formatSyslogMessage(message, this.origin));
    this.moreWork = true;
    this.wake?.();
  }

  /** Starts forwarding what the spool holds (from before a restart too) and whatever comes. */
  start(): void {
    this.stopped = false;
    this.running ??= this.run().finally(() => (this.running = undefined));
  }

  /** Stops forwarding; what was not confirmed stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.connection?.socket.destroy();
    await this.running;
  }

  private async run(): Promise<void> {
    const backoff = this.options.backoff ?? { initialMs: 500, maxMs: 30_000 };
    let delay = backoff.initialMs;
    while (!this.stopped) {
      this.moreWork = false;
      const batch = await this.spool.list(this.options.batchSize ?? 500);
      if (batch.length === 0) {
        if (!this.moreWork && !this.stopped) await this.pause();
        continue;
      }
      try {
        await this.deliver(batch);
        delay = backoff.initialMs;
        this.observer.delivered?.(batch.length);
      } catch (err) {
        this.drop();
        if (this.stopped) return;
        this.observer.failed?.(err as Error, delay);
        await this.pause(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    }
    this.drop();
  }

  private async deliver(batch: readonly SpoolEntry[]): Promise<void> {
    const connection = this.connection && !this.connection.isLost() ? this.connection : (this.connection = await this.connect());
    for (const entry of batch) {
      const frame = frameSyslogMessage(await this.spool.read(entry));
      await new Promise<void>((resolve, reject) => connection.socket.write(frame, (err) => (err ? reject(err) : resolve())));
      if (connection.isLost()) throw new Error('the syslog collector closed the connection');
    }
    this.observer.written?.(batch.length);
    // Written to the socket is not received: wait to see whether the collector is still there.
    await Promise.race([connection.lost, sleep(this.options.confirmAfterMs ?? 1000)]);
    if (connection.isLost() || this.stopped) throw new Error('the syslog collector closed the connection before the messages were confirmed');
    await this.spool.remove(batch);
  }

  private connect(): Promise<Connection> {
    const { host, port, ca, cert, key, servername } = this.options;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ ...BCP195_NON_DOWNGRADING, host, port, ca, cert, key, servername: servername ?? (isIP(host) ? undefined : host), timeout: this.options.connectTimeoutMs ?? 10_000 });
      let lost = false;
      let markLost!: () => void;
      const lostPromise = new Promise<void>((r) => (markLost = r));
      const lose = (err?: Error) => {
        if (!lost) {
          lost = true;
          markLost();
          socket.destroy();
        }
        if (err) reject(err);
      };
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      socket.once('secureConnect', () => {
        socket.setTimeout(0);
        resolve({ socket, lost: lostPromise, isLost: () => lost });
      });
      socket.on('error', (err) => lose(err));
      socket.once('timeout', () => lose(new Error(`no TLS connection to ${host}:${port} within ${this.options.connectTimeoutMs ?? 10_000} ms`)));
      // The collector never sends anything (RFC 5425); data or the end of its stream means it is going away.
      socket.on('data', () => undefined);
      socket.once('end', () => lose());
      socket.once('close', () => lose(new Error(`the connection to ${host}:${port} closed`)));
    });
  }

  private drop(): void {
    this.connection?.socket.destroy();
    this.connection = undefined;
  }

  /** Waits until `ms` pass (forever without), forward() brings work, or stop(). */
  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
