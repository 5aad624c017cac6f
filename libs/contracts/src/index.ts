export * from './envelope';
export * from './events/association-rejected.v1';
export * from './events/instance-stored.v1';
export * from './topics';

import { AssociationRejectedV1 } from './events/association-rejected.v1';
import { InstanceStoredV1 } from './events/instance-stored.v1';

/** Every event definition, for the catalogue and the AsyncAPI document. */
export const ALL_EVENTS = [InstanceStoredV1, AssociationRejectedV1] as const;
