import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { ProcedureStepFields } from './procedure-step.fields';

export const ProcedureStepInProgressV1Schema = z.object({
  ...ProcedureStepFields,
  /** Performed Procedure Step Status (0040,0252). */
  status: z.literal('IN PROGRESS'),
});

/** Data of `procedure-step.in-progress.v1`. */
export type ProcedureStepInProgressV1 = z.infer<typeof ProcedureStepInProgressV1Schema>;

/**
 * A modality started a procedure step (MPPS N-CREATE, revision 1) or changed one that is still in
 * progress (N-SET, revision 2 and up). Carries the whole step as it now is.
 * @since 0.2.0
 */
export const ProcedureStepInProgressV1: EventDefinition<typeof ProcedureStepInProgressV1Schema> = {
  type: 'procedure-step.in-progress.v1',
  topic: Topics.ProcedureSteps,
  schema: ProcedureStepInProgressV1Schema,
  summary: 'A Modality Performed Procedure Step was created IN PROGRESS (N-CREATE) or updated while still in progress (N-SET).',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
