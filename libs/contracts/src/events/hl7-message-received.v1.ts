import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

export const Hl7MessageReceivedV1Schema = z.object({
  /** MSH-9 code and trigger, e.g. "ADT^A08". */
  messageType: z.string(),
  /** MSH-10. */
  controlId: z.string(),
  /** MSH-3 and MSH-4, as received. */
  sendingApplication: z.string(),
  sendingFacility: z.string(),
  /** MSH-12. */
  version: z.string(),
  /**
   * applied: the message changed what it says, and was recorded; duplicate: it had been applied
   * before (same MSH-3, MSH-4, MSH-10 and content) and changed nothing; refused: it changed nothing,
   * for the reason given.
   */
  outcome: z.enum(['applied', 'duplicate', 'refused']),
  /** The HL7 error condition (Table 0357) of a refusal, e.g. "101". */
  errorCondition: z.string().optional(),
  /** Why it was refused, as the acknowledgement's ERR-8 says. */
  reason: z.string().optional(),
});

/** Data of `hl7.message.received.v1`. */
export type Hl7MessageReceivedV1 = z.infer<typeof Hl7MessageReceivedV1Schema>;

/**
 * An HL7 v2 message for a tenant was received and answered: one event per message (a resent one
 * too), recorded in the transaction that applied it, never for a message whose processing failed.
 * @since 0.3.0
 */
export const Hl7MessageReceivedV1: EventDefinition<typeof Hl7MessageReceivedV1Schema> = {
  type: 'hl7.message.received.v1',
  topic: Topics.Hl7,
  schema: Hl7MessageReceivedV1Schema,
  summary: 'An HL7 v2 message was received and answered: applied, a duplicate, or refused with a reason.',
  key: (tenant, data) => `${tenant}/${data.sendingApplication}`,
};
