import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { MemoryStudyGrants } from './memory-study-grants.adapter';
import type { StudyGrants } from './study-grants.port';
import { TypeormStudyGrants } from './typeorm-study-grants.adapter';

const hour = 3_600_000;

/** What every StudyGrants must do, on each adapter. */
function describeStudyGrants(name: string, open: () => Promise<{ grants: StudyGrants; close(): Promise<void> }>): void {
  describe(`StudyGrants: ${name}`, () => {
    let grants: StudyGrants;
    let close: () => Promise<void>;
    beforeAll(async () => ({ grants, close } = await open()));
    afterAll(() => close());

    const grant = (study: string, subject: string, expiresIn: number, tenant = 'north') =>
      grants.create({ tenant, studyInstanceUID: study, granteeSubject: subject, granteeIssuer: 'https://idp', expiresAt: new Date(Date.now() + expiresIn), reason: 'second opinion', grantedBy: 'dr.rad' });

    it('gives a grantee the studies shared with them that are live, in the tenant shared from', async () => {
      await grant('1.1', 'gp-1', hour);
      await grant('1.2', 'gp-1', -hour);
      await grant('1.3', 'gp-2', hour);
      await grant('1.4', 'gp-1', hour, 'south');
      expect(await grants.grantedStudies('north', { subject: 'gp-1', issuer: 'https://idp' }, new Date())).toEqual(['1.1']);
      expect(await grants.grantedStudies('north', { subject: 'gp-1', issuer: 'https://other-idp' }, new Date())).toEqual([]);
    });

    it('stops granting once revoked, and keeps the grant for the record', async () => {
      const made = await grant('2.1', 'gp-3', hour);
      expect(made).toMatchObject({ tenant: 'north', studyInstanceUID: '2.1', granteeSubject: 'gp-3', reason: 'second opinion', grantedBy: 'dr.rad' });
      expect((await grants.revoke('north', made.id, new Date()))?.revokedAt).toBeInstanceOf(Date);
      expect(await grants.revoke('north', made.id, new Date())).toBeUndefined();
      expect(await grants.revoke('south', made.id, new Date())).toBeUndefined();
      expect(await grants.grantedStudies('north', { subject: 'gp-3', issuer: 'https://idp' }, new Date())).toEqual([]);
      expect((await grants.list('north', '2.1')).map((g) => g.id)).toEqual([made.id]);
    });
  });
}

describeStudyGrants('memory', async () => ({ grants: new MemoryStudyGrants(), close: async () => undefined }));
for (const [name, create] of [
  ['PostgreSQL', createPostgresTestDatabase],
  ['PGlite', createPgliteTestDatabase],
] as const) {
  describeStudyGrants(name, async () => {
    const t: TestDatabase = await create(['north', 'south']);
    return { grants: new TypeormStudyGrants(t.db), close: () => t.drop() };
  });
}
