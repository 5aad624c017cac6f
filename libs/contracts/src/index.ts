export * from './envelope';
export * from './events/association-rejected.v1';
export * from './events/audit-recorded.v1';
export * from './events/fhir-resource-received.v1';
export * from './events/hl7-message-received.v1';
export * from './events/instance-stored.v1';
export * from './events/instances-deleted.v1';
export * from './events/instances-purged.v1';
export * from './events/order-cancelled.v1';
export * from './events/order-changed.v1';
export * from './events/order-placed.v1';
export * from './events/patient-erased.v1';
export * from './events/patient-merge-undone.v1';
export * from './events/patient-merged.v1';
export * from './events/patient-updated.v1';
export * from './events/procedure-step-completed.v1';
export * from './events/procedure-step-discontinued.v1';
export * from './events/procedure-step-in-progress.v1';
export * from './events/study-stable.v1';
export * from './topics';

import { AssociationRejectedV1 } from './events/association-rejected.v1';
import { AuditRecordedV1 } from './events/audit-recorded.v1';
import { FhirResourceReceivedV1 } from './events/fhir-resource-received.v1';
import { Hl7MessageReceivedV1 } from './events/hl7-message-received.v1';
import { InstanceStoredV1 } from './events/instance-stored.v1';
import { InstancesDeletedV1 } from './events/instances-deleted.v1';
import { InstancesPurgedV1 } from './events/instances-purged.v1';
import { OrderCancelledV1 } from './events/order-cancelled.v1';
import { OrderChangedV1 } from './events/order-changed.v1';
import { OrderPlacedV1 } from './events/order-placed.v1';
import { PatientErasedV1 } from './events/patient-erased.v1';
import { PatientMergeUndoneV1 } from './events/patient-merge-undone.v1';
import { PatientMergedV1 } from './events/patient-merged.v1';
import { PatientUpdatedV1 } from './events/patient-updated.v1';
import { ProcedureStepCompletedV1 } from './events/procedure-step-completed.v1';
import { ProcedureStepDiscontinuedV1 } from './events/procedure-step-discontinued.v1';
import { ProcedureStepInProgressV1 } from './events/procedure-step-in-progress.v1';
import { StudyStableV1 } from './events/study-stable.v1';

/** Every event definition, for the catalogue and the AsyncAPI document. */
export const ALL_EVENTS = [
  InstanceStoredV1,
  InstancesDeletedV1,
  InstancesPurgedV1,
  StudyStableV1,
  AssociationRejectedV1,
  ProcedureStepInProgressV1,
  ProcedureStepCompletedV1,
  ProcedureStepDiscontinuedV1,
  PatientUpdatedV1,
  PatientMergedV1,
  PatientErasedV1,
  PatientMergeUndoneV1,
  OrderPlacedV1,
  OrderChangedV1,
  OrderCancelledV1,
  Hl7MessageReceivedV1,
  FhirResourceReceivedV1,
  AuditRecordedV1,
] as const;
