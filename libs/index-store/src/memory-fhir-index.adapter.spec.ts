import { describeFhirIndexContract } from './fhir-index.contract';
import { MemoryFhirIndex } from './memory-fhir-index.adapter';

describeFhirIndexContract('in-memory', async () => {
  const index = new MemoryFhirIndex();
  return { index, add: async (instances) => instances.forEach((i) => index.add(i)), merge: async (tenant, prior, survivor) => index.merge(tenant, prior, survivor), close: async () => undefined };
});
