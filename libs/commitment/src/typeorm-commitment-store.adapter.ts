import type { Database } from '@tessera/database';
import type { CommitmentRecord, CommitmentReference, CommitmentRequest, CommitmentResult, CommitmentState, CommitmentStore } from './commitment-store.port';

interface Row {
  tenant_id: string;
  transaction_uid: string;
  requesting_ae_title: string;
  called_ae_title: string;
  refs: CommitmentReference[];
  result: CommitmentResult | null;
  state: CommitmentState;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  reported_at: Date | null;
}

/** The commitment store in PostgreSQL (or PGlite), table storage_commitment. */
export class TypeormCommitmentStore implements CommitmentStore {
  constructor(private readonly db: Database) {}

  async accept(r: CommitmentRequest, leaseMs: number): Promise<void> {
    await this.db.dataSource.query(
      `INSERT INTO storage_commitment (tenant_id, transaction_uid, requesting_ae_title, called_ae_title, refs, due_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')
       ON CONFLICT (tenant_id, transaction_uid) DO UPDATE SET requesting_ae_title = EXCLUDED.requesting_ae_title, called_ae_title = EXCLUDED.called_ae_title,
         refs = EXCLUDED.refs, result = NULL, state = 'pending', attempts = 0, last_error = NULL, due_at = EXCLUDED.due_at, received_at = now(), reported_at = NULL`,
      [r.tenant, r.transactionUID, r.requestingAETitle, r.calledAETitle, JSON.stringify(r.references), leaseMs],
    );
  }

  async claimDue(limit: number, leaseMs: number): Promise<CommitmentRecord[]> {
    // SKIP LOCKED: processes sweeping at once each claim different requests. (A CTE, because TypeORM
    // returns an UPDATE's rows wrapped with its count.)
    const rows = (await this.db.dataSource.query(
      `WITH due AS (SELECT tenant_id, transaction_uid, due_at FROM storage_commitment WHERE state = 'pending' AND due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED),
       claimed AS (UPDATE storage_commitment c SET due_at = now() + $2 * interval '1 millisecond' FROM due
         WHERE c.tenant_id = due.tenant_id AND c.transaction_uid = due.transaction_uid RETURNING c.*, due.due_at AS was_due)
       SELECT * FROM claimed ORDER BY was_due`,
      [limit, leaseMs],
    )) as Row[];
    return rows.map(fromRow);
  }

  async recordResult(tenant: string, transactionUID: string, result: CommitmentResult): Promise<void> {
    await this.db.dataSource.query('UPDATE storage_commitment SET result = $3 WHERE tenant_id = $1 AND transaction_uid = $2', [tenant, transactionUID, JSON.stringify(result)]);
  }

  async markReported(tenant: string, transactionUID: string): Promise<void> {
    await this.db.dataSource.query(`UPDATE storage_commitment SET state = 'reported', attempts = attempts + 1, reported_at = now() WHERE tenant_id = $1 AND transaction_uid = $2`, [tenant, transactionUID]);
  }

  async deliveryFailed(tenant: string, transactionUID: string, error: string, retryAt: Date | undefined): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE storage_commitment SET attempts = attempts + 1, last_error = $3, state = CASE WHEN $4::timestamptz IS NULL THEN 'abandoned' ELSE 'pending' END, due_at = COALESCE($4::timestamptz, due_at)
       WHERE tenant_id = $1 AND transaction_uid = $2`,
      [tenant, transactionUID, error, retryAt ?? null],
    );
  }

  async find(tenant: string, transactionUID: string): Promise<CommitmentRecord | undefined> {
    const rows = (await this.db.dataSource.query('SELECT * FROM storage_commitment WHERE tenant_id = $1 AND transaction_uid = $2', [tenant, transactionUID])) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async forgetFinished(before: Date): Promise<number> {
    const rows = (await this.db.dataSource.query(
      `WITH gone AS (DELETE FROM storage_commitment WHERE state IN ('reported', 'abandoned') AND received_at < $1 RETURNING 1) SELECT count(*) AS n FROM gone`,
      [before],
    )) as { n: string | number }[];
    return Number(rows[0]?.n);
  }
}

function fromRow(r: Row): CommitmentRecord {
  return {
    tenant: r.tenant_id,
    transactionUID: r.transaction_uid,
    requestingAETitle: r.requesting_ae_title,
    calledAETitle: r.called_ae_title,
    references: r.refs,
    state: r.state,
    attempts: Number(r.attempts),
    receivedAt: new Date(r.received_at),
    ...(r.result ? { result: r.result } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.reported_at ? { reportedAt: new Date(r.reported_at) } : {}),
  };
}
