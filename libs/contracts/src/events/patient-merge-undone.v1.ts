import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { PatientDemographicsSchema, PatientIdentitySchema } from './patient.fields';

export const PatientMergeUndoneV1Schema = z.object({
  /** The merge undone: the mergeId of its `patient.merged.v1`. */
  mergeId: z.string(),
  /** The patient that had been merged away, a patient of its own again. */
  prior: PatientIdentitySchema,
  /** The patient it had been merged into. */
  survivor: PatientIdentitySchema,
  /** The prior patient's demographics, which its studies carry again (as before the merge). */
  demographics: PatientDemographicsSchema,
  /** The studies the merge had moved that went back to the prior patient. */
  restoredStudyInstanceUIDs: z.array(z.string()),
  /** The orders (Accession Numbers) the merge had moved that went back to the prior patient. */
  restoredAccessionNumbers: z.array(z.string()),
  /** Who undid it: the caller's token subject. */
  undoneBy: z.string(),
});

/** Data of `patient.merge-undone.v1`. */
export type PatientMergeUndoneV1 = z.infer<typeof PatientMergeUndoneV1Schema>;

/**
 * A merge (patient.merged.v1) was undone by an administrator: the prior patient is one of its own
 * again, with the studies and orders the merge had moved. Keyed by the survivor, like the merge, so
 * that a consumer sees the undo after the merge.
 * @since 0.5.0
 */
export const PatientMergeUndoneV1: EventDefinition<typeof PatientMergeUndoneV1Schema> = {
  type: 'patient.merge-undone.v1',
  topic: Topics.Patients,
  schema: PatientMergeUndoneV1Schema,
  summary: 'A patient merge was undone: the prior patient is restored with the studies and orders the merge had moved.',
  key: (tenant, data) => `${tenant}/${data.survivor.issuerOfPatientID}/${data.survivor.patientID}`,
};
