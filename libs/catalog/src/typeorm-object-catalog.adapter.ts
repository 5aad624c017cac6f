import type { Database } from '@tessera/database';
import { outboxRows, type OutboxEntry } from '@tessera/outbox';
import type { CatalogScope, ObjectCatalog, ObjectRef, RecordOutcome, StoredObject } from './object-catalog.port';

interface Row {
  tenant_id: string;
  sop_instance_uid: string;
  study_instance_uid: string;
  series_instance_uid: string;
  sop_class_uid: string;
  transfer_syntax_uid: string;
  object_key: string;
  size_bytes: number;
  dataset_offset: number;
  dataset_sha256: string;
  stored_at: Date;
}

const COLUMNS =
  'tenant_id, sop_instance_uid, study_instance_uid, series_instance_uid, sop_class_uid, transfer_syntax_uid, object_key, size_bytes, dataset_offset, dataset_sha256, stored_at';

/** The catalog in PostgreSQL (or PGlite), table stored_object. */
export class TypeormObjectCatalog implements ObjectCatalog {
  constructor(private readonly db: Database) {}

  // One statement, so one round trip and atomic without a transaction block: the row, and the events
  // only if the row was new (data-modifying CTEs, which all see the same snapshot).
  async record(object: StoredObject, events: readonly OutboxEntry[], frameIndex?: Buffer): Promise<RecordOutcome> {
    const objectParams = [
      object.tenant,
      object.sopInstanceUID,
      object.studyInstanceUID,
      object.seriesInstanceUID,
      object.sopClassUID,
      object.transferSyntaxUID,
      object.objectKey,
      object.sizeBytes,
      object.datasetOffset,
      object.datasetSha256,
      object.storedAt,
      frameIndex ?? null,
    ];
    const outbox = outboxRows(events, objectParams.length + 1);
    const [row] = (await this.db.dataSource.query(
      `WITH inserted AS (
         INSERT INTO stored_object (${COLUMNS}, frame_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (tenant_id, sop_instance_uid) DO NOTHING RETURNING 1)
       ${events.length > 0 ? `, appended AS (INSERT INTO outbox_event (${outbox.columns}) SELECT * FROM (VALUES ${outbox.values}) AS e WHERE EXISTS (SELECT 1 FROM inserted) RETURNING 1)` : ''}
       SELECT count(*) AS recorded FROM inserted`,
      [...objectParams, ...outbox.params],
    )) as { recorded: string | number }[];
    if (Number(row?.recorded) > 0) return { kind: 'recorded' };
    const [existing] = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM stored_object WHERE tenant_id = $1 AND sop_instance_uid = $2`, [object.tenant, object.sopInstanceUID])) as Row[];
    return { kind: 'exists', existing: fromRow(existing as Row) };
  }

  async find(tenant: string, sopInstanceUID: string): Promise<StoredObject | undefined> {
    const rows = (await this.db.dataSource.query(`SELECT ${COLUMNS} FROM stored_object WHERE tenant_id = $1 AND sop_instance_uid = $2`, [tenant, sopInstanceUID])) as Row[];
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(tenant: string, scope: CatalogScope): Promise<StoredObject[]> {
    const { where, params } = scopeCondition(tenant, scope);
    const rows = (await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM stored_object WHERE ${where} ORDER BY series_instance_uid COLLATE "C", sop_instance_uid COLLATE "C"`,
      params,
    )) as Row[];
    return rows.map(fromRow);
  }

  // The index is read apart from the row: it can be a megabyte for a whole-slide image, and listing
  // a study must not carry it.
  async frameIndex(object: ObjectRef): Promise<Buffer | undefined> {
    const rows = (await this.db.dataSource.query('SELECT frame_index FROM stored_object WHERE tenant_id = $1 AND sop_instance_uid = $2 AND object_key = $3', [
      object.tenant,
      object.sopInstanceUID,
      object.objectKey,
    ])) as { frame_index: Uint8Array | null }[];
    const bytes = rows[0]?.frame_index;
    return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  }

  async saveFrameIndex(object: ObjectRef, frameIndex: Buffer): Promise<void> {
    await this.db.dataSource.query('UPDATE stored_object SET frame_index = $4 WHERE tenant_id = $1 AND sop_instance_uid = $2 AND object_key = $3', [
      object.tenant,
      object.sopInstanceUID,
      object.objectKey,
      frameIndex,
    ]);
  }
}

function fromRow(row: Row): StoredObject {
  return {
    tenant: row.tenant_id,
    sopInstanceUID: row.sop_instance_uid,
    studyInstanceUID: row.study_instance_uid,
    seriesInstanceUID: row.series_instance_uid,
    sopClassUID: row.sop_class_uid,
    transferSyntaxUID: row.transfer_syntax_uid,
    objectKey: row.object_key,
    sizeBytes: Number(row.size_bytes),
    datasetOffset: row.dataset_offset,
    datasetSha256: row.dataset_sha256.trim(),
    storedAt: new Date(row.stored_at),
  };
}

/**
 * The SQL condition and parameters ($1…) selecting a tenant's study, series of it or instance of that
 * series, in stored_object or any table that names its columns alike (instance, series).
 */
export function scopeCondition(tenant: string, scope: CatalogScope): { where: string; params: string[] } {
  const params = [tenant, scope.study];
  let where = 'tenant_id = $1 AND study_instance_uid = $2';
  if (scope.series !== undefined) {
    params.push(scope.series);
    where += ` AND series_instance_uid = $${params.length}`;
  }
  if (scope.instance !== undefined) {
    params.push(scope.instance);
    where += ` AND sop_instance_uid = $${params.length}`;
  }
  return { where, params };
}
