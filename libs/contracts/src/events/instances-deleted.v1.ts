import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

const Uid = z.string().regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/).max(64);

/** The instances of one series that a deletion took. */
export const DeletedSeriesSchema = z.object({
  seriesInstanceUID: Uid,
  sopInstanceUIDs: z.array(Uid),
});

export const InstancesDeletedV1Schema = z.object({
  /** Identifies the deletion (its record, which the purge finishes). */
  deletionId: z.string(),
  studyInstanceUID: Uid,
  /** What was asked: the whole study, one series of it, or one instance of that series. */
  scope: z.enum(['study', 'series', 'instance']),
  /** The instances deleted, per series. */
  series: z.array(DeletedSeriesSchema),
  /** Whether the study is gone from the index (its last instance was deleted). */
  studyDeleted: z.boolean(),
  /** When the objects are purged from the object store at the earliest (DELETION_PURGE_AFTER_S). */
  purgeAfter: z.string().datetime(),
});

/** Data of `instances.deleted.v1`. */
export type InstancesDeletedV1 = z.infer<typeof InstancesDeletedV1Schema>;

/**
 * Instances of a study were deleted at an administrator's request (DELETE on /dicomweb/studies/…):
 * from the commit on, no query, retrieval or storage commitment finds them. Their objects stay in the
 * object store until the purge (`instances.purged.v1`). A consumer that keeps anything of them (a
 * cache, a copy, analytics) deletes it too. Keyed by tenant and Study Instance UID.
 * @since 0.6.0
 */
export const InstancesDeletedV1: EventDefinition<typeof InstancesDeletedV1Schema> = {
  type: 'instances.deleted.v1',
  topic: Topics.Instances,
  schema: InstancesDeletedV1Schema,
  summary: 'Instances (a study, a series or one instance) were deleted; queries and retrievals no longer find them, their objects are purged later.',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
