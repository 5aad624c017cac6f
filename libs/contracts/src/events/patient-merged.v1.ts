import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { CausingMessageSchema, PatientDemographicsSchema, PatientIdentitySchema } from './patient.fields';

export const PatientMergedV1Schema = z.object({
  /** The patient that remains (ADT^A40 PID-3). */
  survivor: PatientIdentitySchema,
  /** The patient merged into it (MRG-1), which no query returns any more. */
  prior: PatientIdentitySchema,
  /** The survivor's demographics, which the moved studies now carry. */
  demographics: PatientDemographicsSchema,
  /** Identifies the merge, for undoing it. */
  mergeId: z.string(),
  /** The studies that moved from the prior patient to the survivor. */
  movedStudyInstanceUIDs: z.array(z.string()),
  message: CausingMessageSchema,
});

/** Data of `patient.merged.v1`. */
export type PatientMergedV1 = z.infer<typeof PatientMergedV1Schema>;

/**
 * Two records of one patient became one (ADT^A40): the prior patient's studies belong to the
 * survivor from now on. Keyed by the survivor.
 * @since 0.3.0
 */
export const PatientMergedV1: EventDefinition<typeof PatientMergedV1Schema> = {
  type: 'patient.merged.v1',
  topic: Topics.Patients,
  schema: PatientMergedV1Schema,
  summary: 'A patient was merged into another (HL7 ADT^A40); its studies moved to the survivor.',
  key: (tenant, data) => `${tenant}/${data.survivor.issuerOfPatientID}/${data.survivor.patientID}`,
};
