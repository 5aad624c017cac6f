import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { describeObjectCatalogContract } from './object-catalog.contract';
import { TypeormObjectCatalog } from './typeorm-object-catalog.adapter';

const adapter = (t: TestDatabase) => ({
  catalog: new TypeormObjectCatalog(t.db),
  eventCount: async () => Number(((await t.db.dataSource.query('SELECT count(*) AS n FROM outbox_event')) as { n: string }[])[0]?.n),
  close: () => t.drop(),
});

describeObjectCatalogContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(['default', 'other'])));
describeObjectCatalogContract('PGlite', async () => adapter(await createPgliteTestDatabase(['default', 'other'])));
