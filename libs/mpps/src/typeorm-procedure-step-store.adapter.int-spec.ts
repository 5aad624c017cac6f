import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { describeProcedureStepStoreContract } from './procedure-step-store.contract';
import { TypeormProcedureStepStore } from './typeorm-procedure-step-store.adapter';

const adapter = (t: TestDatabase) => ({
  store: new TypeormProcedureStepStore(t.db),
  recordedEvents: async () => ((await t.db.dataSource.query(`SELECT envelope->>'correlationId' AS c FROM outbox_event ORDER BY position`)) as { c: string }[]).map((r) => r.c),
  close: () => t.drop(),
});

describeProcedureStepStoreContract('PostgreSQL', async () => adapter(await createPostgresTestDatabase(['default', 'other'])));
describeProcedureStepStoreContract('PGlite', async () => adapter(await createPgliteTestDatabase(['default', 'other'])));
