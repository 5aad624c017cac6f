import { type IncomingMessage, PermanentError, readEnvelope } from '@tessera/bus';
import { parseEvent, StudyStableV1 } from '@tessera/contracts';
import { imagingStudyResource, subscriptionMatches, type LocalZone } from '@tessera/fhir';
import type { FhirSubscriptionStore } from '@tessera/hl7-store';
import type { FhirIndex } from '@tessera/index-store';
import type { Logger } from '@tessera/telemetry';

/**
 * When a study becomes available (study.stable.v1), queues a rest-hook notification (FHIR R4 8.21.4.1)
 * for each of the tenant's Subscriptions whose criteria select its ImagingStudy, built from the index
 * as it is now, for those that asked for the payload. A subscription in error is notified too: a
 * delivered notification makes it active again. The event's id makes a redelivered event queue nothing
 * more; a study that settles again after more instances is notified again.
 */
export class QueueNotificationsUseCase {
  constructor(
    private readonly store: FhirSubscriptionStore,
    private readonly index: FhirIndex,
    private readonly wake: () => void,
    private readonly logger: Logger,
    private readonly options: { readonly zone: LocalZone; readonly now: () => Date },
  ) {}

  /** Returns how many notifications were queued. */
  async handle(message: IncomingMessage): Promise<number> {
    const { type, raw } = readEnvelope(message);
    if (type !== StudyStableV1.type) return 0;
    let event;
    try {
      event = parseEvent(StudyStableV1, raw);
    } catch (err) {
      throw new PermanentError(`study.stable.v1 breaks its schema: ${(err as Error).message}`);
    }
    const { tenant, data } = event;
    const subscriptions = (await this.store.list(tenant)).filter((s) => s.status === 'active' || s.status === 'error');
    if (subscriptions.length === 0) return 0;
    const study = await this.index.study(tenant, data.studyInstanceUID);
    // Gone from the index since (deleted): nothing is available to tell of.
    if (!study) return 0;
    const now = this.options.now();
    const resource = imagingStudyResource(study, this.options.zone);
    let queued = 0;
    for (const subscription of subscriptions.filter((s) => subscriptionMatches(s, resource, now))) {
      const outcome = await this.store.enqueue(
        { tenant, subscriptionId: subscription.id, causeEventId: event.id, studyInstanceUID: data.studyInstanceUID, ...(subscription.payload ? { body: JSON.stringify(resource) } : {}) },
        now,
      );
      if (outcome === 'queued') queued++;
    }
    if (queued > 0) {
      this.logger.info('FHIR subscription notifications queued', { tenant, studyInstanceUID: data.studyInstanceUID, count: queued });
      this.wake();
    }
    return queued;
  }
}
