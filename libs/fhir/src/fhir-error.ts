/**
 * Why the FHIR core refused a request or a resource. Each edge maps these exhaustively to its
 * protocol (STYLE 7): the REST edge to an HTTP status with an OperationOutcome.
 */
export const FhirErrorCode = {
  /** A search parameter, modifier, prefix or value this server does not support or cannot read. */
  InvalidSearch: 'invalid-search',
  /** A request that contradicts itself: an update whose resource has another id than its URL. */
  InvalidRequest: 'invalid-request',
  /** A resource that is not valid FHIR R4, or not one this server can act on. */
  InvalidResource: 'invalid-resource',
  /** No resource of this type with this id. */
  NotFound: 'not-found',
  /** The resource exists already (a create for an order whose accession number is taken). */
  Duplicate: 'duplicate',
  /** What the resource asks breaks a rule of the archive (an order that has ended cannot change). */
  BusinessRule: 'business-rule',
} as const;
export type FhirErrorCode = (typeof FhirErrorCode)[keyof typeof FhirErrorCode];

/** A refusal with its reason and, where it is about a part of a resource, a FHIRPath to it. */
export class FhirError extends Error {
  constructor(
    readonly code: FhirErrorCode,
    message: string,
    readonly expression?: string,
  ) {
    super(message);
    this.name = 'FhirError';
  }
}

/** Ends a reading with a refusal. */
export function refuse(code: FhirErrorCode, message: string, expression?: string): never {
  throw new FhirError(code, message, expression);
}
