import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

export const AuditRecordedV1Schema = z.object({
  recordId: z.string(),
  /** The tenant's hash chain, and this record's place and hash in it (verify with the previous record's hash). */
  chain: z.string(),
  sequence: z.number().int().positive(),
  previousHash: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** EventID code (PS3.16 CID 400), e.g. "110112" Query. */
  eventType: z.string(),
  action: z.enum(['C', 'R', 'U', 'D', 'E']),
  /** EventOutcomeIndicator: 0 success, 4 minor, 8 serious, 12 major failure. */
  outcome: z.union([z.literal(0), z.literal(4), z.literal(8), z.literal(12)]),
  eventTime: z.string().datetime(),
  userIds: z.array(z.string()),
  patientIds: z.array(z.string()),
  studyInstanceUIDs: z.array(z.string()),
  /** The DICOM audit message (PS3.15 A.5.1 XML) itself. */
  message: z.string(),
});

/** Data of `audit.recorded.v1`. */
export type AuditRecordedV1 = z.infer<typeof AuditRecordedV1Schema>;

/**
 * An audit message was recorded in a tenant's trail (IHE ATNA, PS3.15 A.5), in the same transaction
 * as the record, for security monitoring that subscribes. It carries patient data like the trail
 * itself: give the topic to consumers that may read the audit trail. Keyed by tenant and chain, so a
 * chain's records arrive in order. Records of no tenant (the system chain) are not published.
 * @since 0.3.0
 */
export const AuditRecordedV1: EventDefinition<typeof AuditRecordedV1Schema> = {
  type: 'audit.recorded.v1',
  topic: Topics.Audit,
  schema: AuditRecordedV1Schema,
  summary: 'An audit message (PS3.15 A.5) was recorded in a tenant\'s hash-chained audit trail.',
  key: (tenant, data) => `${tenant}/${data.chain}`,
};
