import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { describeCommitmentStoreContract } from './commitment-store.contract';
import { TypeormCommitmentStore } from './typeorm-commitment-store.adapter';

const adapter = (t: TestDatabase) => ({ store: new TypeormCommitmentStore(t.db), close: () => t.drop() });

describeCommitmentStoreContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(['default', 'other'])));
describeCommitmentStoreContract('PGlite', async () => adapter(await createPgliteTestDatabase(['default', 'other'])));
