import { FhirErrorCode, type FhirError } from './fhir-error';
import type { OperationOutcome, OperationOutcomeIssue } from './resources';

// FHIR R4 IssueType (http://hl7.org/fhir/issue-type) of each refusal.
const ISSUE_TYPES: Readonly<Record<FhirErrorCode, string>> = {
  [FhirErrorCode.InvalidSearch]: 'invalid',
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
