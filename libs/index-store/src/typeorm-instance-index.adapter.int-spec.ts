import { createPgliteTestDatabase, createPostgresTestDatabase } from '@tessera/testing';
import { describeInstanceIndexContract } from './instance-index.contract';
import { TypeormInstanceIndex } from './typeorm-instance-index.adapter';

describeInstanceIndexContract('PostgreSQL', async () => {
  const t = await createPostgresTestDatabase(['default', 'other']);
  return { index: new TypeormInstanceIndex(t.db), close: () => t.drop() };
});

describeInstanceIndexContract('PGlite', async () => {
  const t = await createPgliteTestDatabase(['default', 'other']);
  return { index: new TypeormInstanceIndex(t.db), close: () => t.drop() };
});
