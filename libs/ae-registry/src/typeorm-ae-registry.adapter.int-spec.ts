import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { REJECTION_RETENTION_DAYS } from './ae-registry.port';
import { describeAeRegistryContract } from './ae-registry.contract';
import { TypeormAeRegistry } from './typeorm-ae-registry.adapter';

const adapter = (t: TestDatabase) => ({ registry: new TypeormAeRegistry(t.db), close: () => t.drop() });

describeAeRegistryContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(['default', 'other'])));
describeAeRegistryContract('PGlite', async () => adapter(await createPgliteTestDatabase(['default', 'other'])));

describe('TypeormAeRegistry rejections', () => {
  it(`keeps rejected associations ${REJECTION_RETENTION_DAYS} days, dropping older ones as new ones come`, async () => {
    const t = await createPgliteTestDatabase(['default']);
    try {
      const registry = new TypeormAeRegistry(t.db);
      const reject = (callingAETitle: string) => registry.recordRejection({ tenant: 'default', callingAETitle, calledAETitle: 'TESSERA', remoteAddress: '10.9.9.9', reason: 'calling AE title not recognized' }, []);
      await reject('OLD');
      await reject('RECENT');
      await t.db.dataSource.query(`UPDATE association_rejection SET rejected_at = now() - make_interval(days => $1) WHERE calling_ae_title = $2`, [REJECTION_RETENTION_DAYS + 1, 'OLD']);
      await t.db.dataSource.query(`UPDATE association_rejection SET rejected_at = now() - make_interval(days => $1) WHERE calling_ae_title = $2`, [REJECTION_RETENTION_DAYS - 1, 'RECENT']);
      expect((await registry.rejections('default', 10)).map((r) => r.callingAETitle)).toEqual(['RECENT', 'OLD']);
      await reject('NEW');
      expect((await registry.rejections('default', 10)).map((r) => r.callingAETitle)).toEqual(['NEW', 'RECENT']);
    } finally {
      await t.drop();
    }
  });
});
