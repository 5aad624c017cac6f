import type { ClaimedNotification, FhirSubscriptionStore, NotificationOutcome } from '@tessera/hl7-store';
import type { Logger } from '@tessera/telemetry';
import type { NotificationPoster } from './notification-poster';

/** How notifications are retried. */
export interface SendNotificationsOptions {
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** How long one attempt may take; a claimed notification is not handed to another sender meanwhile. */
  readonly timeoutMs: number;
}

// Notifications claimed per round.
const BATCH = 20;

/**
 * Sends queued rest-hook notifications (FHIR R4 8.21.4.1): a POST to the subscription's endpoint with
 * its headers and, when it asked for the payload, the ImagingStudy as application/fhir+json; else an
 * empty body. A 2xx answer delivers it. Anything else (another status, no answer) is tried again after
 * a delay that doubles each time, up to maxRetryDelayMs; after maxAttempts it is given up, and its
 * Subscription goes to status error with the reason (R4 8.21.5: the server sets error when it cannot
 * notify).
 */
export class SendNotificationsUseCase {
  constructor(
    private readonly store: FhirSubscriptionStore,
    private readonly poster: NotificationPoster,
    private readonly logger: Logger,
    private readonly options: SendNotificationsOptions,
  ) {}

  /** Sends what is due at `now()`; returns how many notifications were attempted. */
  async execute(now: () => Date): Promise<number> {
    let attempted = 0;
    for (;;) {
      const due = await this.store.claimDue(now(), BATCH, this.options.timeoutMs * 2);
      for (const notification of due) await this.attempt(notification, now);
      attempted += due.length;
      if (due.length < BATCH) return attempted;
    }
  }

  private async attempt(notification: ClaimedNotification, now: () => Date): Promise<void> {
    const error = await this.deliver(notification);
    const outcome: NotificationOutcome = error === undefined ? { status: 'sent' } : this.failed(notification, error, now());
    await this.store.settle(notification.id, outcome, now());
    const fields = { tenant: notification.tenant, subscription: notification.subscriptionId, attempt: notification.attempts, endpoint: new URL(notification.endpoint).host };
    if (outcome.status === 'sent') this.logger.info('FHIR subscription notified', fields);
    else if (outcome.status === 'failed') this.logger.error('FHIR subscription notification given up; the subscription is in error', { ...fields, reason: outcome.error });
    else this.logger.warn('FHIR subscription notification not delivered; will retry', { ...fields, reason: outcome.error, retryAt: outcome.retryAt.toISOString() });
  }

  // Why the endpoint did not take it, or undefined when it did.
  private async deliver(notification: ClaimedNotification): Promise<string | undefined> {
    const headers: Record<string, string> = {};
    for (const line of notification.headers) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    if (notification.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
    try {
      const status = await this.poster.post(notification.endpoint, headers, notification.body);
      return status >= 200 && status < 300 ? undefined : `the endpoint answered HTTP ${status}`;
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      return `the endpoint did not answer: ${(cause ?? (err as Error)).message}`;
    }
  }

  private failed(notification: ClaimedNotification, error: string, now: Date): NotificationOutcome {
    if (notification.attempts >= this.options.maxAttempts) return { status: 'failed', error: `${error} (attempt ${notification.attempts} of ${this.options.maxAttempts})` };
    const delay = Math.min(this.options.retryDelayMs * 2 ** (notification.attempts - 1), this.options.maxRetryDelayMs);
    return { status: 'pending', error, retryAt: new Date(now.getTime() + delay) };
  }
}
