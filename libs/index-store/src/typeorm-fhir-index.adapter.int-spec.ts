import { TypeormHl7Store } from '@tessera/hl7-store';
import { createPgliteTestDatabase, createPostgresTestDatabase } from '@tessera/testing';
import { describeFhirIndexContract, type FhirIndexHarness } from './fhir-index.contract';
import { TypeormFhirIndex } from './typeorm-fhir-index.adapter';
import { TypeormInstanceIndex } from './typeorm-instance-index.adapter';

// Instances go in through the index, merges through the HL7 store, as in a running Tessera.
const harness = (t: { db: ConstructorParameters<typeof TypeormFhirIndex>[0]; drop(): Promise<void> }): FhirIndexHarness => ({
  index: new TypeormFhirIndex(t.db),
  add: async (instances) => void (await new TypeormInstanceIndex(t.db).indexMany(instances)),
  merge: async (tenant, prior, survivor) => void (await new TypeormHl7Store(t.db).transaction((tx) => tx.mergePatient(tenant, prior, survivor))),
  close: () => t.drop(),
});

describeFhirIndexContract('PostgreSQL', async () => harness(await createPostgresTestDatabase(['default', 'other'])));
describeFhirIndexContract('PGlite', async () => harness(await createPgliteTestDatabase(['default', 'other'])));
