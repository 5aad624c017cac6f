import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { PatientIdentitySchema } from './patient.fields';

export const PatientErasedV1Schema = z.object({
  /** The patient erased; the index has no row of it any more. */
  patient: PatientIdentitySchema,
  /** Identifies the erasure (its job record). */
  erasureId: z.string(),
  /** The studies erased with it, every series, instance and stored object of them. */
  studyInstanceUIDs: z.array(z.string()),
});

/** Data of `patient.erased.v1`. */
export type PatientErasedV1 = z.infer<typeof PatientErasedV1Schema>;

/**
 * A patient was erased from a tenant at an administrator's request (issue 6): its index rows,
 * orders and worklist items are gone, and its objects are being deleted. A consumer that keeps
 * anything of the patient (a cache, a copy, analytics) deletes it too. Keyed by the patient.
 * @since 0.5.0
 */
export const PatientErasedV1: EventDefinition<typeof PatientErasedV1Schema> = {
  type: 'patient.erased.v1',
  topic: Topics.Patients,
  schema: PatientErasedV1Schema,
  summary: 'A patient was erased from a tenant with its studies, orders and worklist items; consumers delete what they keep of it.',
  key: (tenant, data) => `${tenant}/${data.patient.issuerOfPatientID}/${data.patient.patientID}`,
};
