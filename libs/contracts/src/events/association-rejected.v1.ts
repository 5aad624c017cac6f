import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

export const AssociationRejectedV1Schema = z.object({
  callingAETitle: z.string(),
  calledAETitle: z.string(),
  remoteAddress: z.string(),
  /** Why, in words, e.g. "calling AE title not recognized". */
  reason: z.string(),
  /** The A-ASSOCIATE-RJ result, source and reason codes sent (PS3.8 9.3.4). */
  result: z.number().int(),
  source: z.number().int(),
  reasonCode: z.number().int(),
  rejectedAt: z.string().datetime(),
});

/** Data of `association.rejected.v1`. */
export type AssociationRejectedV1 = z.infer<typeof AssociationRejectedV1Schema>;

/**
 * A DIMSE association was refused: an unknown or unauthorised calling AE, or a called AE title not
 * served here. Keyed by calling AE title. The tenant is the called AE's, or the default tenant when
 * the called AE title is unknown.
 * @since 0.2.0
 */
export const AssociationRejectedV1: EventDefinition<typeof AssociationRejectedV1Schema> = {
  type: 'association.rejected.v1',
  topic: Topics.Dimse,
  schema: AssociationRejectedV1Schema,
  summary: 'A DIMSE association was rejected (unknown calling AE, unauthorised AE, or a called AE title not served).',
  key: (tenant, data) => `${tenant}/${data.callingAETitle}`,
};
