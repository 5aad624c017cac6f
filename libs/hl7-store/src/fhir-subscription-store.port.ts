import type { StoredSubscription, SubscriptionRequest } from '@tessera/fhir';

/** A notification to send for a subscription, and what caused it. */
export interface NewNotification {
  readonly tenant: string;
  readonly subscriptionId: string;
  /** The event that made the study available: the same event again queues nothing. */
  readonly causeEventId: string;
  readonly studyInstanceUID: string;
  /** The ImagingStudy as JSON, for a subscription that asked for the payload; else none (an empty POST). */
  readonly body?: string;
}

/** A queued notification as a sender claimed it, with where it goes. */
export interface ClaimedNotification {
  readonly id: string;
  readonly tenant: string;
  readonly subscriptionId: string;
  readonly endpoint: string;
  readonly headers: readonly string[];
  readonly body?: string;
  /** Attempts made, this one included. */
  readonly attempts: number;
}

/** What became of an attempt. */
export type NotificationOutcome =
  /** The endpoint answered 2xx: the subscription is (again) active. */
  | { readonly status: 'sent' }
  /** Given up: the subscription goes to error, with `error`. */
  | { readonly status: 'failed'; readonly error: string }
  /** Not delivered this time; try again at `retryAt`. */
  | { readonly status: 'pending'; readonly error: string; readonly retryAt: Date };

/** A queued notification's state, for operators and tests. */
export interface NotificationState {
  readonly id: string;
  readonly subscriptionId: string;
  readonly studyInstanceUID: string;
  readonly status: 'pending' | 'sent' | 'failed';
  readonly attempts: number;
  readonly lastError?: string;
}

/**
 * FHIR rest-hook Subscriptions per tenant, and the notifications waiting for their endpoints: durable
 * until delivered or given up, so a restart loses none.
 */
export interface FhirSubscriptionStore {
  /** Stores a new subscription, active. */
  create(tenant: string, id: string, request: SubscriptionRequest, now: Date): Promise<StoredSubscription>;
  get(tenant: string, id: string): Promise<StoredSubscription | undefined>;
  /** A tenant's subscriptions, oldest first. */
  list(tenant: string): Promise<StoredSubscription[]>;
  /** Removes a subscription and the notifications it still had queued; false when there was none. */
  remove(tenant: string, id: string): Promise<boolean>;
  /** Queues a notification, due at once, unless its cause queued one for that subscription before (or the subscription is gone). */
  enqueue(notification: NewNotification, now: Date): Promise<'queued' | 'duplicate'>;
  /**
   * Claims up to `limit` notifications due at `now`, oldest first, counting an attempt for each; other
   * senders do not get them for `leaseMs`.
   */
  claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedNotification[]>;
  /** Records what became of an attempt, on the notification and on its subscription's status. */
  settle(id: string, outcome: NotificationOutcome, now: Date): Promise<void>;
  /** A tenant's notifications, oldest first. */
  notifications(tenant: string): Promise<NotificationState[]>;
}
