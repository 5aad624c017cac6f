import { readSubscription, subscriptionResource, type Subscription } from '@tessera/fhir';
import type { FhirSubscriptionStore } from '@tessera/hl7-store';
import type { Logger } from '@tessera/telemetry';
import { subscriptionResult, type SubscriptionResult } from './subscription-result';

/**
 * Creates a rest-hook Subscription (FHIR R4 3.1.0.7 create; 8.21): the client sends it requested, the
 * server checks that it can honour it and makes it active at once, so that the next study that becomes
 * available is notified.
 */
export class CreateSubscriptionUseCase {
  constructor(
    private readonly store: FhirSubscriptionStore,
    private readonly logger: Logger,
    private readonly options: { readonly now: () => Date; readonly newId: () => string },
  ) {}

  execute(tenant: string, body: unknown, caller: string): Promise<SubscriptionResult<Subscription>> {
    return subscriptionResult(async () => {
      const request = readSubscription(body);
      const stored = await this.store.create(tenant, this.options.newId(), request, this.options.now());
      // The endpoint's host only: a URL may carry a secret in its query.
      this.logger.info('FHIR subscription created', { tenant, id: stored.id, criteria: request.criteria.text, endpoint: new URL(request.endpoint).host, caller });
      return subscriptionResource(stored);
    });
  }
}
