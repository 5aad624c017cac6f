import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { CausingMessageSchema, PatientDemographicsSchema, PatientIdentitySchema } from './patient.fields';

export const PatientUpdatedV1Schema = z.object({
  patient: PatientIdentitySchema,
  /** The identity the patient had before, when the message changed it (ADT^A47). */
  previousIdentity: PatientIdentitySchema.optional(),
  demographics: PatientDemographicsSchema,
  /** Whether the patient was new to the index. */
  created: z.boolean(),
  /** The studies of the patient, which now carry its demographics. */
  studyInstanceUIDs: z.array(z.string()),
  message: CausingMessageSchema,
});

/** Data of `patient.updated.v1`. */
export type PatientUpdatedV1 = z.infer<typeof PatientUpdatedV1Schema>;

/**
 * A patient's demographics or identifier changed (ADT^A01, A04, A08, A31; A47 with previousIdentity),
 * or the patient was created. Query results (QIDO-RS, C-FIND) show the new values from now on.
 * @since 0.3.0
 */
export const PatientUpdatedV1: EventDefinition<typeof PatientUpdatedV1Schema> = {
  type: 'patient.updated.v1',
  topic: Topics.Patients,
  schema: PatientUpdatedV1Schema,
  summary: 'A patient was created or its demographics or identifier changed (HL7 ADT A01/A04/A08/A31/A47).',
  key: (tenant, data) => `${tenant}/${data.patient.issuerOfPatientID}/${data.patient.patientID}`,
};
