import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { describeAeRegistryContract } from './ae-registry.contract';
import { TypeormAeRegistry } from './typeorm-ae-registry.adapter';

const adapter = (t: TestDatabase) => ({ registry: new TypeormAeRegistry(t.db), close: () => t.drop() });

describeAeRegistryContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(['default', 'other'])));
describeAeRegistryContract('PGlite', async () => adapter(await createPgliteTestDatabase(['default', 'other'])));
