import type { Database } from '@tessera/database';
import { randomUUID } from 'node:crypto';
import type { NewStudyGrant, StudyGrant, StudyGrants } from './study-grants.port';

interface Row {
  id: string;
  tenant_id: string;
  study_instance_uid: string;
  grantee_subject: string;
  grantee_issuer: string;
  expires_at: Date;
  reason: string;
  granted_by: string;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, tenant_id, study_instance_uid, grantee_subject, grantee_issuer, expires_at, reason, granted_by, created_at, revoked_at';

/** Grants in PostgreSQL (or PGlite), table study_grant. */
export class TypeormStudyGrants implements StudyGrants {
  constructor(private readonly db: Database) {}

  async create(g: NewStudyGrant): Promise<StudyGrant> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO study_grant (id, tenant_id, study_instance_uid, grantee_subject, grantee_issuer, expires_at, reason, granted_by)
       VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [g.tenant, g.studyInstanceUID, g.granteeSubject, g.granteeIssuer, g.expiresAt.toISOString(), g.reason, g.grantedBy, randomUUID()],
    )) as Row[];
    return fromRow(rows[0] as Row);
  }

  async list(tenant: string, study?: string): Promise<StudyGrant[]> {
    const rows = (await this.db.dataSource.query(
      `SELECT ${COLUMNS} FROM study_grant WHERE tenant_id = $1 AND ($2::text IS NULL OR study_instance_uid = $2) ORDER BY created_at DESC, id`,
      [tenant, study ?? null],
    )) as Row[];
    return rows.map(fromRow);
  }

  async revoke(tenant: string, id: string, at: Date): Promise<StudyGrant | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const rows = (await this.db.dataSource.query(`UPDATE study_grant SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`, [tenant, id, at.toISOString()])) as [Row[], number] | Row[];
    const updated = Array.isArray(rows[0]) ? (rows[0] as Row[]) : (rows as Row[]);
    return updated[0] ? fromRow(updated[0]) : undefined;
  }

  async grantedStudies(tenant: string, grantee: { readonly subject: string; readonly issuer: string }, now: Date): Promise<string[]> {
    const rows = (await this.db.dataSource.query(
      `SELECT DISTINCT study_instance_uid FROM study_grant
       WHERE tenant_id = $1 AND grantee_subject = $2 AND grantee_issuer = $3 AND revoked_at IS NULL AND expires_at > $4`,
      [tenant, grantee.subject, grantee.issuer, now.toISOString()],
    )) as { study_instance_uid: string }[];
    return rows.map((r) => r.study_instance_uid);
  }
}

function fromRow(r: Row): StudyGrant {
  return {
    id: r.id,
    tenant: r.tenant_id,
    studyInstanceUID: r.study_instance_uid,
    granteeSubject: r.grantee_subject,
    granteeIssuer: r.grantee_issuer,
    expiresAt: new Date(r.expires_at),
    reason: r.reason,
    grantedBy: r.granted_by,
    createdAt: new Date(r.created_at),
    ...(r.revoked_at ? { revokedAt: new Date(r.revoked_at) } : {}),
  };
}
