import { createPgliteTestDatabase, createPostgresTestDatabase } from '@tessera/testing';
import { describeHl7OutboundContract } from './hl7-outbound.contract';
import { TypeormHl7Outbound } from './typeorm-hl7-outbound.adapter';

describeHl7OutboundContract('PostgreSQL', async () => {
  const t = await createPostgresTestDatabase(['default', 'other']);
  return { outbound: new TypeormHl7Outbound(t.db), close: () => t.drop() };
});

describeHl7OutboundContract('PGlite', async () => {
  const t = await createPgliteTestDatabase(['default', 'other']);
  return { outbound: new TypeormHl7Outbound(t.db), close: () => t.drop() };
});
