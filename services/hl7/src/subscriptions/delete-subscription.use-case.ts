import { FhirErrorCode, refuse } from '@tessera/fhir';
import type { FhirSubscriptionStore } from '@tessera/hl7-store';
import type { Logger } from '@tessera/telemetry';
import { subscriptionResult, type SubscriptionResult } from './subscription-result';

/** Deletes a Subscription (FHIR R4 3.1.0.8): no notification follows, not even one already queued. */
export class DeleteSubscriptionUseCase {
  constructor(
    private readonly store: FhirSubscriptionStore,
    private readonly logger: Logger,
  ) {}

  execute(tenant: string, id: string, caller: string): Promise<SubscriptionResult<void>> {
    return subscriptionResult(async () => {
      if (!(await this.store.remove(tenant, id))) refuse(FhirErrorCode.NotFound, `No Subscription with id ${id}`);
      this.logger.info('FHIR subscription deleted', { tenant, id, caller });
    });
  }
}
