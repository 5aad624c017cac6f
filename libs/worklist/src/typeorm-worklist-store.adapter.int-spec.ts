import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { TypeormWorklistStore } from './typeorm-worklist-store.adapter';
import { describeWorklistStoreContract } from './worklist-store.contract';

const TENANTS = ['default', 'other', 'search', 'elsewhere', 'status', 'status-other'];
const adapter = (t: TestDatabase) => ({ store: new TypeormWorklistStore(t.db), close: () => t.drop() });

describeWorklistStoreContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(TENANTS)));
describeWorklistStoreContract('PGlite', async () => adapter(await createPgliteTestDatabase(TENANTS)));
