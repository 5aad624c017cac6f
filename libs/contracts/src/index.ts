export * from './envelope';
export * from './events/association-rejected.v1';
export * from './events/instance-stored.v1';
export * from './events/procedure-step-completed.v1';
export * from './events/procedure-step-discontinued.v1';
export * from './events/procedure-step-in-progress.v1';
export * from './topics';

import { AssociationRejectedV1 } from './events/association-rejected.v1';
import { InstanceStoredV1 } from './events/instance-stored.v1';
import { ProcedureStepCompletedV1 } from './events/procedure-step-completed.v1';
import { ProcedureStepDiscontinuedV1 } from './events/procedure-step-discontinued.v1';
import { ProcedureStepInProgressV1 } from './events/procedure-step-in-progress.v1';

/** Every event definition, for the catalogue and the AsyncAPI document. */
export const ALL_EVENTS = [InstanceStoredV1, AssociationRejectedV1, ProcedureStepInProgressV1, ProcedureStepCompletedV1, ProcedureStepDiscontinuedV1] as const;
