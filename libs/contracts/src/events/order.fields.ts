import { z } from 'zod';
import { CausingMessageSchema, PatientIdentitySchema } from './patient.fields';

// The data every order event carries: the order and its scheduled procedure step as they are after
// the change the event announces (Modality Worklist attributes, PS3.4 Table K.6-1).

export const OrderFields = {
  /** Accession Number (0008,0050): identifies the order (OBR-18 or IPC-1). */
  accessionNumber: z.string().min(1),
  /** ORC-2, the placer order number (EI, entity identifier). */
  placerOrderNumber: z.string().optional(),
  /** ORC-3, the filler order number. */
  fillerOrderNumber: z.string().optional(),
  /** Study Instance UID (0020,000D) the study will have. */
  studyInstanceUID: z.string(),
  /** Requested Procedure ID (0040,1001). */
  requestedProcedureID: z.string(),
  /** Requested Procedure Description (0032,1060). */
  requestedProcedureDescription: z.string().optional(),
  /** Scheduled Procedure Step ID (0040,0009). */
  scheduledProcedureStepID: z.string(),
  /** Modality (0008,0060) of the step. */
  modality: z.string(),
  /** Scheduled Station AE Title (0040,0001). */
  scheduledStationAETitles: z.array(z.string()),
  /** Scheduled Procedure Step Start Date and Time as an ISO 8601 local date-time. */
  scheduledStartDateTime: z.string(),
  /** Scheduled Procedure Step Status (0040,0020) of the step now. */
  status: z.string(),
  patient: PatientIdentitySchema,
  message: CausingMessageSchema,
};
