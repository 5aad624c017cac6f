import { FhirErrorCode, type FhirError } from './fhir-error';
import type { OperationOutcome, OperationOutcomeIssue } from './resources';

// FHIR R4 IssueType (http://hl7.org/fhir/issue-type) of each refusal.
const ISSUE_TYPES: Readonly<Record<FhirErrorCode, string>> = {
  [FhirErrorCode.InvalidSearch]: 'invalid',
  [FhirErrorCode.InvalidRequest]: 'invalid',
  [FhirErrorCode.InvalidResource]: 'invalid',
  [FhirErrorCode.NotFound]: 'not-found',
  [FhirErrorCode.Duplicate]: 'duplicate',
  [FhirErrorCode.BusinessRule]: 'business-rule',
};

/** An OperationOutcome (FHIR R4 OperationOutcome) with one issue. */
export function operationOutcome(issue: OperationOutcomeIssue): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** The OperationOutcome that explains a refusal. */
export function outcomeOf(error: FhirError): OperationOutcome {
  return operationOutcome({ severity: 'error', code: ISSUE_TYPES[error.code], diagnostics: error.message, ...(error.expression ? { expression: [error.expression] } : {}) });
}

/** The HTTP status of each refusal (FHIR R4 3.1.0.4 and 3.1.0.1.11): bad search 400, unknown id 404, duplicate 409, invalid resource 422. */
export function fhirStatus(code: FhirErrorCode): number {
  switch (code) {
    case FhirErrorCode.InvalidSearch:
    case FhirErrorCode.InvalidRequest:
      return 400;
    case FhirErrorCode.NotFound:
      return 404;
    case FhirErrorCode.Duplicate:
      return 409;
    case FhirErrorCode.InvalidResource:
    case FhirErrorCode.BusinessRule:
      return 422;
  }
}
