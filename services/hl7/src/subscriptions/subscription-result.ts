import { FhirError } from '@tessera/fhir';

/** What a Subscription use case gives: its answer, or the refusal to answer with (STYLE 7). */
export type SubscriptionResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: FhirError };

/** Runs work that may refuse with a FhirError, as a result. */
export async function subscriptionResult<T>(work: () => Promise<T>): Promise<SubscriptionResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (err) {
    if (err instanceof FhirError) return { ok: false, error: err };
    throw err;
  }
}
