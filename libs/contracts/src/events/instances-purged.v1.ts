import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

export const InstancesPurgedV1Schema = z.object({
  /** The deletion whose objects were purged (`instances.deleted.v1` named it). */
  deletionId: z.string(),
  studyInstanceUID: z.string(),
  /** How many objects were deleted from the object store. */
  objects: z.number().int().nonnegative(),
});

/** Data of `instances.purged.v1`. */
export type InstancesPurgedV1 = z.infer<typeof InstancesPurgedV1Schema>;

/**
 * The objects of a deletion are gone from the object store: nothing of the deleted instances is kept
 * any more. Keyed by tenant and Study Instance UID, after the deletion's `instances.deleted.v1`.
 * @since 0.6.0
 */
export const InstancesPurgedV1: EventDefinition<typeof InstancesPurgedV1Schema> = {
  type: 'instances.purged.v1',
  topic: Topics.Instances,
  schema: InstancesPurgedV1Schema,
  summary: "The objects of deleted instances were purged from the object store.",
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
