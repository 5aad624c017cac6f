import { describeFhirSubscriptionStoreContract } from './fhir-subscription-store.contract';
import { MemoryFhirSubscriptionStore } from './memory-fhir-subscription-store.adapter';

describeFhirSubscriptionStoreContract('in-memory', async () => ({ store: new MemoryFhirSubscriptionStore(), close: async () => undefined }));
