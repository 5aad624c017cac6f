import { FhirErrorCode, readSearch, refuse, searchBundle, subscriptionResource, type Bundle, type Subscription } from '@tessera/fhir';
import type { FhirSubscriptionStore } from '@tessera/hl7-store';
import { subscriptionResult, type SubscriptionResult } from './subscription-result';

/** Reads a tenant's Subscriptions: one by id (FHIR R4 3.1.0.3), or all of them (search-type, paging only). */
export class ReadSubscriptionsUseCase {
  constructor(private readonly store: FhirSubscriptionStore) {}

  read(tenant: string, id: string): Promise<SubscriptionResult<Subscription>> {
    return subscriptionResult(async () => {
      const stored = await this.store.get(tenant, id);
      return stored ? subscriptionResource(stored) : refuse(FhirErrorCode.NotFound, `No Subscription with id ${id}`);
    });
  }

  search(tenant: string, params: readonly (readonly [string, string])[], base: string): Promise<SubscriptionResult<Bundle<Subscription>>> {
    return subscriptionResult(async () => {
      // No search parameters but paging: any other is refused (strict, R4 3.1.1.3.5).
      const request = readSearch([], params);
      const all = await this.store.list(tenant);
      const { offset, count } = request.page;
      return searchBundle(base, 'Subscription', request, all.slice(offset, offset + count).map(subscriptionResource), all.length);
    });
  }
}
