import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { LocalDateTimeSchema, ProcedureStepFields } from './procedure-step.fields';

export const ProcedureStepDiscontinuedV1Schema = z.object({
  ...ProcedureStepFields,
  /** Performed Procedure Step Status (0040,0252). */
  status: z.literal('DISCONTINUED'),
  // What PS3.4 F.7.2.2.2 requires of the final state, and Tessera enforces before accepting it.
  endDateTime: LocalDateTimeSchema,
  performedSeries: ProcedureStepFields.performedSeries.min(1),
});

/** Data of `procedure-step.discontinued.v1`. */
export type ProcedureStepDiscontinuedV1 = z.infer<typeof ProcedureStepDiscontinuedV1Schema>;

/**
 * A modality discontinued a procedure step (MPPS N-SET to DISCONTINUED): it was started but cannot be
 * finished, so the scheduled step may need rescheduling (PS3.4 F.1.5). The step can no longer change.
 * @since 0.2.0
 */
export const ProcedureStepDiscontinuedV1: EventDefinition<typeof ProcedureStepDiscontinuedV1Schema> = {
  type: 'procedure-step.discontinued.v1',
  topic: Topics.ProcedureSteps,
  schema: ProcedureStepDiscontinuedV1Schema,
  summary: 'A Modality Performed Procedure Step was discontinued (N-SET to DISCONTINUED): started, but not finished.',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
