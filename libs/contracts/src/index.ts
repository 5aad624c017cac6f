export * from './envelope';
export * from './events/instance-stored.v1';
export * from './topics';

import { InstanceStoredV1 } from './events/instance-stored.v1';

/** Every event definition, for the catalogue and the AsyncAPI document. */
export const ALL_EVENTS = [InstanceStoredV1] as const;
