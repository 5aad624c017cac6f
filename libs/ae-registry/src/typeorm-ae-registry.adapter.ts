import type { Database } from '@tessera/database';
import { appendToOutbox, type OutboxEntry } from '@tessera/outbox';
import { REJECTION_RETENTION_DAYS, type AeOperation, type AeRegistry, type ApplicationEntity, type AssociationRejection } from './ae-registry.port';

interface Row {
  tenant_id: string;
  ae_title: string;
  host: string;
  port: number;
  tls: boolean;
  description: string;
  allowed_operations: string[];
  move_destinations: string[];
}

const COLUMNS = 'tenant_id, ae_title, host, port, tls, description, allowed_operations, move_destinations';

/** The registry in PostgreSQL (or PGlite), tables application_entity and association_rejection. */
export class TypeormAeRegistry implements AeRegistry {
  constructor(private readonly db: Database) {}

  async list(tenant: string): Promise<ApplicationEntity[]> {
    const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM application_entity WHERE tenant_id = $1 ORDER BY ae_title COLLATE "C"`, [tenant])) as Row[];
    return rows.map(fromRow);
  }

  async find(tenant: string, aeTitle: string): Promise<ApplicationEntity | undefined> {
    const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM application_entity WHERE tenant_id = $1 AND ae_title = $2`, [tenant, aeTitle])) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async put(e: ApplicationEntity): Promise<'created' | 'updated'> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO application_entity (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, ae_title) DO UPDATE SET host = EXCLUDED.host, port = EXCLUDED.port, tls = EXCLUDED.tls, description = EXCLUDED.description,
         allowed_operations = EXCLUDED.allowed_operations, move_destinations = EXCLUDED.move_destinations, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [e.tenant, e.aeTitle, e.host, e.port, e.tls, e.description, [...e.allowedOperations], [...e.moveDestinations]],
    )) as { created: boolean }[];
    return rows[0]?.created ? 'created' : 'updated';
  }

  async remove(tenant: string, aeTitle: string): Promise<boolean> {
    const rows = (await this.db.dataSource.query('WITH gone AS (DELETE FROM application_entity WHERE tenant_id = $1 AND ae_title = $2 RETURNING 1) SELECT count(*) AS n FROM gone', [tenant, aeTitle])) as { n: string | number }[];
    return Number(rows[0]?.n) > 0;
  }

  async recordRejection(r: Omit<AssociationRejection, 'rejectedAt'>, events: readonly OutboxEntry[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query('INSERT INTO association_rejection (tenant_id, calling_ae_title, called_ae_title, remote_address, reason) VALUES ($1, $2, $3, $4, $5)', [
        r.tenant ?? null,
        r.callingAETitle,
        r.calledAETitle,
        r.remoteAddress,
        r.reason,
      ]);
      await manager.query('DELETE FROM association_rejection WHERE rejected_at < now() - make_interval(days => $1)', [REJECTION_RETENTION_DAYS]);
      await appendToOutbox(manager, events);
    });
  }

  async rejections(tenant: string | undefined, limit: number): Promise<AssociationRejection[]> {
    const rows = (await this.db.dataSource.query(
      `SELECT tenant_id, calling_ae_title, called_ae_title, remote_address, reason, rejected_at FROM association_rejection
       WHERE ${tenant === undefined ? 'tenant_id IS NULL' : 'tenant_id = $2'} ORDER BY rejected_at DESC, id DESC LIMIT $1`,
      tenant === undefined ? [limit] : [limit, tenant],
    )) as { tenant_id: string | null; calling_ae_title: string; called_ae_title: string; remote_address: string; reason: string; rejected_at: Date }[];
    return rows.map((r) => ({
      ...(r.tenant_id ? { tenant: r.tenant_id } : {}),
      callingAETitle: r.calling_ae_title,
      calledAETitle: r.called_ae_title,
      remoteAddress: r.remote_address,
      reason: r.reason,
      rejectedAt: new Date(r.rejected_at),
    }));
  }
}

function fromRow(r: Row): ApplicationEntity {
  return {
    tenant: r.tenant_id,
    aeTitle: r.ae_title,
    host: r.host,
    port: r.port,
    tls: r.tls,
    description: r.description,
    allowedOperations: r.allowed_operations as AeOperation[],
    moveDestinations: r.move_destinations,
  };
}
