import { createPgliteTestDatabase, createPostgresTestDatabase } from '@tessera/testing';
import { describeFhirSubscriptionStoreContract } from './fhir-subscription-store.contract';
import { TypeormFhirSubscriptionStore } from './typeorm-fhir-subscription-store.adapter';

describeFhirSubscriptionStoreContract('PostgreSQL', async () => {
  const t = await createPostgresTestDatabase(['default', 'other']);
  return { store: new TypeormFhirSubscriptionStore(t.db), close: () => t.drop() };
});

describeFhirSubscriptionStoreContract('PGlite', async () => {
  const t = await createPgliteTestDatabase(['default', 'other']);
  return { store: new TypeormFhirSubscriptionStore(t.db), close: () => t.drop() };
});
