/** A SOP instance named in a storage commitment request (PS3.4 J.3.2.1.1, Referenced SOP Sequence). */
export interface CommitmentReference {
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
}

/** An instance Tessera does not commit to, and why (Failure Reason, PS3.3 C.14.1.1). */
export interface FailedReference extends CommitmentReference {
  readonly failureReason: number;
}

/** What Tessera verified of a request: the instances it commits to and those it does not. */
export interface CommitmentResult {
  readonly committed: readonly CommitmentReference[];
  readonly failed: readonly FailedReference[];
}

/** A storage commitment request as received with N-ACTION (PS3.4 J.3.2). */
export interface CommitmentRequest {
  readonly tenant: string;
  readonly transactionUID: string;
  /** The AE that asked, to which the report goes (on a new association if need be). */
  readonly requestingAETitle: string;
  /** The AE title it called Tessera by, which the report comes from. */
  readonly calledAETitle: string;
  readonly references: readonly CommitmentReference[];
}

export type CommitmentState = 'pending' | 'reported' | 'abandoned';

/** A request with where its report stands. */
export interface CommitmentRecord extends CommitmentRequest {
  readonly state: CommitmentState;
  /** Set once verified; a later delivery attempt reports this same result. */
  readonly result?: CommitmentResult;
  readonly attempts: number;
  readonly lastError?: string;
  readonly receivedAt: Date;
  readonly reportedAt?: Date;
}

/**
 * Storage commitment requests, kept from the N-ACTION until their N-EVENT-REPORT is delivered, so
 * that a report survives a restart. A request is worked on by whoever claimed it last; a claim lasts
 * a lease, after which another process may take it over.
 */
export interface CommitmentStore {
  /**
   * Keeps a request, claimed by the caller for `leaseMs`. The same transaction UID again within a
   * tenant replaces the earlier request (an N-ACTION retried) and starts it over.
   */
  accept(request: CommitmentRequest, leaseMs: number): Promise<void>;
  /** Claims up to `limit` pending requests whose next attempt is due, each for `leaseMs`. */
  claimDue(limit: number, leaseMs: number): Promise<CommitmentRecord[]>;
  recordResult(tenant: string, transactionUID: string, result: CommitmentResult): Promise<void>;
  markReported(tenant: string, transactionUID: string): Promise<void>;
  /** A delivery attempt failed: try again at `retryAt`, or give up when it is undefined. */
  deliveryFailed(tenant: string, transactionUID: string, error: string, retryAt: Date | undefined): Promise<void>;
  find(tenant: string, transactionUID: string): Promise<CommitmentRecord | undefined>;
  /** Deletes the reported and abandoned requests received before `before`; returns how many. */
  forgetFinished(before: Date): Promise<number>;
}
