import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';

export const FhirResourceReceivedV1Schema = z.object({
  /** The resource's type, e.g. "ServiceRequest". */
  resourceType: z.string(),
  /** Its logical id, once known (an update names it; a create that was applied has one). */
  id: z.string().optional(),
  /** The FHIR interaction (R4 3.1.0): create or update. */
  interaction: z.enum(['create', 'update']),
  /** applied: the resource changed what it says; refused: it changed nothing, for the reason given. */
  outcome: z.enum(['applied', 'refused']),
  /** The HTTP status of the answer. */
  status: z.number().int(),
  /** Why it was refused, as the OperationOutcome's diagnostics say. */
  reason: z.string().optional(),
  /** The caller: the subject of its access token. */
  caller: z.string(),
});

/** Data of `fhir.resource.received.v1`. */
export type FhirResourceReceivedV1 = z.infer<typeof FhirResourceReceivedV1Schema>;

/**
 * A FHIR resource for a tenant was received (created or updated) and answered: one event per
 * resource, recorded in the transaction that applied it, never for one whose processing failed.
 * @since 0.3.0
 */
export const FhirResourceReceivedV1: EventDefinition<typeof FhirResourceReceivedV1Schema> = {
  type: 'fhir.resource.received.v1',
  topic: Topics.Fhir,
  schema: FhirResourceReceivedV1Schema,
  summary: 'A FHIR resource was received (create, update) and answered: applied, or refused with a reason.',
  key: (tenant, data) => `${tenant}/${data.resourceType}`,
};
