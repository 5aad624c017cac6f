import type { EventBus } from '@tessera/bus';
import type { Database } from '@tessera/database';
import type { Logger } from '@tessera/telemetry';
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';

/** Tuning of the relay. */
export interface OutboxRelayOptions {
  readonly batchSize?: number;
  /** How often to look for events when nobody said there are new ones. */
  readonly pollIntervalMs?: number;
  /**
   * How long to let events gather after being told of new ones, before claiming them: one claim, one
   * publish request and one update for many events instead of one each. Adds at most this much to the
   * time until an event is published.
   */
  readonly lingerMs?: number;
  /** How long a claimed batch is reserved for this relay. */
  readonly leaseMs?: number;
  /** Published events are kept this long (for inspection), then deleted. */
  readonly retentionMs?: number;
  /**
   * Bytes one publish request may carry. Kafka applies max.message.bytes to all the records of one
   * partition in a request, and events of a study share a partition, so batches are cut by size.
   */
  readonly maxPublishBytes?: number;
}

interface ClaimedRow {
  position: string | number;
  topic: string;
  message_key: string;
  envelope: unknown;
  headers: Record<string, string>;
}

// pg_advisory_lock key of the relay: "OUTBOX" in ASCII.
const RELAY_LOCK = 0x4f5554424f58;

/**
 * Publishes outbox events to the bus in outbox order (ARCHITECTURE §3, step 4). It claims a batch with a
 * lease, publishes it outside any transaction, then marks it published; a crash in between only means
 * the batch is published again after the lease, which idempotent consumers absorb. While the bus is
 * down the events wait in the outbox, and the relay retries with backoff.
 *
 * On PostgreSQL only one relay of all replicas and roles publishes at a time: it holds a session
 * advisory lock on a connection of its own, and the others stand by. That keeps events of one study in
 * outbox order; if the active relay's process dies, its connection closes and another takes over.
 */
export class OutboxRelay {
  private readonly owner = randomUUID();
  private stopped = true;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pendingNotify = false;
  private lastCleanup = 0;
  private leader: QueryRunner | undefined;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Says that events were just added, so the relay need not wait for its next poll. */
  notify(): void {
    this.pendingNotify = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
    await this.resign();
  }

  /** Publishes one batch; returns how many events it published. */
  async relayOnce(): Promise<number> {
    const query = (sql: string, params: unknown[]): Promise<unknown> => (this.leader ? this.leader.query(sql, params) : this.db.dataSource.query(sql, params));
    // Only the active relay publishes, so a lease another relay left behind (it died holding a batch)
    // must not hold events back: that would let newer events of a study overtake older ones.
    const rows = (await query(
      // A CTE so that the statement is a SELECT: TypeORM returns UPDATE results as [rows, count].
      `WITH claimed AS (
         UPDATE outbox_event SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::double precision / 1000)
         WHERE position IN (
           SELECT position FROM outbox_event WHERE published_at IS NULL
           ORDER BY position LIMIT $3 FOR UPDATE)
         RETURNING position, topic, message_key, envelope, headers)
       SELECT * FROM claimed`,
      [this.owner, this.options.leaseMs ?? 60_000, this.options.batchSize ?? 200],
    )) as ClaimedRow[];
    if (rows.length === 0) return 0;
    rows.sort((a, b) => Number(a.position) - Number(b.position));
    const messages = rows.map((r) => ({ position: String(r.position), message: { topic: r.topic, key: r.message_key, value: Buffer.from(JSON.stringify(r.envelope)), headers: r.headers } }));
    const limit = this.options.maxPublishBytes ?? 6 * 1024 * 1024;
    let published = 0;
    while (published < messages.length) {
      // At least one message per request; more while they fit.
      let end = published + 1;
      let bytes = (messages[published] as (typeof messages)[number]).message.value.length;
      while (end < messages.length && bytes + (messages[end] as (typeof messages)[number]).message.value.length <= limit) bytes += (messages[end++] as (typeof messages)[number]).message.value.length;
      const chunk = messages.slice(published, end);
      try {
        await this.bus.publish(chunk.map((m) => m.message));
      } catch (err) {
        // Give the rest back at once, so that it is the first to go when the bus answers again.
        await query('UPDATE outbox_event SET lease_owner = NULL, lease_until = NULL WHERE position = ANY($1::bigint[]) AND lease_owner = $2', [messages.slice(published).map((m) => m.position), this.owner]).catch(() => undefined);
        throw err;
      }
      await query('UPDATE outbox_event SET published_at = now(), lease_owner = NULL, lease_until = NULL WHERE position = ANY($1::bigint[])', [chunk.map((m) => m.position)]);
      published = end;
    }
    return published;
  }

  // True when this relay may publish: always on PGlite (one process), on PostgreSQL while it holds the lock.
  private async lead(): Promise<boolean> {
    if (this.db.kind === 'pglite') return true;
    if (this.leader) return true;
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS acquired', [RELAY_LOCK])) as { acquired: boolean }[];
    if (row?.acquired) {
      // If this host vanishes, the server must notice within seconds, not after the OS's two hours of
      // TCP keepalive silence, so that another relay can take over.
      await runner.query("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3");
      this.leader = runner;
      this.logger.info('outbox relay is the active one');
      return true;
    }
    await runner.release();
    return false;
  }

  private async resign(): Promise<void> {
    const leader = this.leader;
    this.leader = undefined;
    if (!leader) return;
    await leader.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK]).catch(() => undefined);
    await leader.release().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        this.pendingNotify = false;
        if (!(await this.lead())) {
          await this.idle(this.options.pollIntervalMs ?? 1000);
          continue;
        }
        const published = await this.relayOnce();
        failures = 0;
        await this.cleanup();
        if (published >= (this.options.batchSize ?? 200)) continue;
        if (published === 0 && !this.pendingNotify) await this.idle(this.options.pollIntervalMs ?? 1000);
        if (published > 0 || this.pendingNotify) await this.idle(this.options.lingerMs ?? 20, false);
      } catch (err) {
        failures += 1;
        // A failure of the leader's own connection loses the lock with it: start over.
        if (this.leader && !(await this.leader.query('SELECT 1').then(() => true, () => false))) await this.resign();
        const delay = Math.min(250 * 2 ** Math.min(failures, 6), 10_000);
        this.logger.warn('outbox relay could not publish; events stay in the outbox and will be retried', { error: (err as Error).message, retryInMs: delay });
        await this.idle(delay);
      }
    }
  }

  // Waits `ms`, or less if stop() comes first, or notify() unless `untilNotified` is false (a linger).
  private idle(ms: number, untilNotified = true): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (untilNotified || this.stopped) done();
      };
      if (this.stopped) done();
    });
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    await (this.leader ?? this.db.dataSource).query('DELETE FROM outbox_event WHERE published_at < now() - make_interval(secs => $1::double precision / 1000)', [this.options.retentionMs ?? 86_400_000]);
  }
}
