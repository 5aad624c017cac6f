import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { LocalDateTimeSchema, ProcedureStepFields } from './procedure-step.fields';

export const ProcedureStepCompletedV1Schema = z.object({
  ...ProcedureStepFields,
  /** Performed Procedure Step Status (0040,0252). */
  status: z.literal('COMPLETED'),
  // What PS3.4 F.7.2.2.2 requires of the final state, and Tessera enforces before accepting it.
  endDateTime: LocalDateTimeSchema,
  performedSeries: ProcedureStepFields.performedSeries.min(1),
});

/** Data of `procedure-step.completed.v1`. */
export type ProcedureStepCompletedV1 = z.infer<typeof ProcedureStepCompletedV1Schema>;

/**
 * A modality completed a procedure step (MPPS N-SET to COMPLETED): the acquisition is over and every
 * instance it created is listed. The step can no longer change.
 * @since 0.2.0
 */
export const ProcedureStepCompletedV1: EventDefinition<typeof ProcedureStepCompletedV1Schema> = {
  type: 'procedure-step.completed.v1',
  topic: Topics.ProcedureSteps,
  schema: ProcedureStepCompletedV1Schema,
  summary: 'A Modality Performed Procedure Step was completed (N-SET to COMPLETED); it lists every series and instance it created.',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
