import { z } from 'zod';
import type { EventDefinition } from '../envelope';
import { Topics } from '../topics';
import { PatientDemographicsSchema, PatientIdentitySchema } from './patient.fields';

const Uid = z.string().regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/).max(64);

/** The order a study was matched to on arrival (by tenant and Accession Number), as the order now is. */
export const MatchedOrderSchema = z.object({
  /** Accession Number (0008,0050) shared by the order and the study. */
  accessionNumber: z.string().min(1),
  /** ORC-2, the placer order number. */
  placerOrderNumber: z.string().optional(),
  /** ORC-3, the filler order number. */
  fillerOrderNumber: z.string().optional(),
  /** Requested Procedure ID (0040,1001) of the order's worklist item. */
  requestedProcedureID: z.string().optional(),
  /** Requested Procedure Description (0032,1060). */
  requestedProcedureDescription: z.string().optional(),
  /** Scheduled Procedure Step ID (0040,0009). */
  scheduledProcedureStepID: z.string(),
  /** The Study Instance UID the order scheduled (the study's own may differ when the modality made one up). */
  studyInstanceUID: Uid,
  /** Scheduled Procedure Step Status (0040,0020) of the order now. */
  status: z.string(),
  /** The patient the order is for, as the RIS identified it. */
  patient: PatientIdentitySchema,
});

export const StudyStableV1Schema = z.object({
  studyInstanceUID: Uid,
  /** Accession Number (0008,0050) of the study, when it has one. */
  accessionNumber: z.string().optional(),
  /** The study's patient in the index now (after merges: the survivor). */
  patient: PatientIdentitySchema,
  demographics: PatientDemographicsSchema,
  /** Modalities in Study (0008,0061). */
  modalitiesInStudy: z.array(z.string()),
  /** Number of Study Related Series (0020,1206) and Instances (0020,1208). */
  numberOfSeries: z.number().int().nonnegative(),
  numberOfInstances: z.number().int().nonnegative(),
  /** When the index took in the study's latest instance. */
  lastInstanceAt: z.string().datetime(),
  /** How long the study had received nothing when it was declared stable (STUDY_STABLE_AFTER_S). */
  stableAfterSeconds: z.number().int().positive(),
  order: MatchedOrderSchema.optional(),
});

/** Data of `study.stable.v1`. */
export type StudyStableV1 = z.infer<typeof StudyStableV1Schema>;

/**
 * A study has received no new instance for the configured time: it is available as a whole, for
 * results to the RIS, prefetching and analytics. It fires again when more instances arrive and the
 * study settles anew.
 * @since 0.4.0
 */
export const StudyStableV1: EventDefinition<typeof StudyStableV1Schema> = {
  type: 'study.stable.v1',
  topic: Topics.Studies,
  schema: StudyStableV1Schema,
  summary: 'A study has received no new instance for STUDY_STABLE_AFTER_S; fires again after more instances arrive and it settles anew.',
  key: (tenant, data) => `${tenant}/${data.studyInstanceUID}`,
};
