import { randomUUID } from 'node:crypto';
import type { NewStudyGrant, StudyGrant, StudyGrants } from './study-grants.port';

/** The in-memory twin of the grants table, for unit tests. */
export class MemoryStudyGrants implements StudyGrants {
  private readonly grants: StudyGrant[] = [];

  create(grant: NewStudyGrant): Promise<StudyGrant> {
    const stored: StudyGrant = { ...grant, id: randomUUID(), createdAt: new Date() };
    this.grants.push(stored);
    return Promise.resolve(stored);
  }

  list(tenant: string, study?: string): Promise<StudyGrant[]> {
    return Promise.resolve(this.grants.filter((g) => g.tenant === tenant && (study === undefined || g.studyInstanceUID === study)).reverse());
  }

  revoke(tenant: string, id: string, at: Date): Promise<StudyGrant | undefined> {
    const index = this.grants.findIndex((g) => g.tenant === tenant && g.id === id && g.revokedAt === undefined);
    if (index < 0) return Promise.resolve(undefined);
    const revoked = { ...(this.grants[index] as StudyGrant), revokedAt: at };
    this.grants[index] = revoked;
    return Promise.resolve(revoked);
  }

  grantedStudies(tenant: string, grantee: { readonly subject: string; readonly issuer: string }, now: Date): Promise<string[]> {
    const live = this.grants.filter((g) => g.tenant === tenant && g.granteeSubject === grantee.subject && g.granteeIssuer === grantee.issuer && g.revokedAt === undefined && g.expiresAt > now);
    return Promise.resolve([...new Set(live.map((g) => g.studyInstanceUID))]);
  }
}
