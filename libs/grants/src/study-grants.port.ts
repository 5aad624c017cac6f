/**
 * A study shared with one person (issue 6): a referring physician of the same hospital, or a
 * radiologist of another tenant. The grantee reads that study — search, metadata, retrieval — and
 * nothing else of the tenant, until the grant expires or is revoked.
 */
export interface StudyGrant {
  readonly id: string;
  /** The tenant whose study it is. */
  readonly tenant: string;
  readonly studyInstanceUID: string;
  /** Who may read it: the subject (`sub`) and issuer (`iss`) of their tokens. */
  readonly granteeSubject: string;
  readonly granteeIssuer: string;
  readonly expiresAt: Date;
  readonly reason: string;
  /** Who shared it (their `sub`). */
  readonly grantedBy: string;
  readonly createdAt: Date;
  readonly revokedAt?: Date;
}

export type NewStudyGrant = Omit<StudyGrant, 'id' | 'createdAt' | 'revokedAt'>;

/** The longest a grant may last: sharing is for a case, not for good. */
export const MAX_GRANT_DAYS = 90;

/** The grants of every tenant (table study_grant); expired and revoked ones are kept, for the record. */
export interface StudyGrants {
  create(grant: NewStudyGrant): Promise<StudyGrant>;
  /** A tenant's grants, newest first; of one study when given. */
  list(tenant: string, study?: string): Promise<StudyGrant[]>;
  /** Revokes a grant; false when the tenant has no such grant or it was revoked already. */
  revoke(tenant: string, id: string, at: Date): Promise<StudyGrant | undefined>;
  /** The studies of `tenant` that the grantee may read at `now`. */
  grantedStudies(tenant: string, grantee: { readonly subject: string; readonly issuer: string }, now: Date): Promise<string[]>;
}
