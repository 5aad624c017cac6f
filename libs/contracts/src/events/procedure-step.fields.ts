import { z } from 'zod';

// The data every procedure-step event carries: a snapshot of one Modality Performed Procedure Step
// (PS3.3 B.17, PS3.4 F.7) after the change the event announces. The three event types differ only in
// the status they name and in what that status guarantees.

const Uid = z.string().regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/).max(64);

/** A DICOM DA and TM pair as an ISO 8601 local date-time without offset, e.g. "2026-11-22T10:15:30" (the modality's local time). */
export const LocalDateTimeSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/);

const ScheduledStepSchema = z.object({
  /** Study Instance UID (0020,000D) of the item. */
  studyInstanceUID: Uid,
  /** Accession Number (0008,0050), when the modality had one. */
  accessionNumber: z.string().optional(),
  /** Requested Procedure ID (0040,1001). */
  requestedProcedureID: z.string().optional(),
  /** Requested Procedure Description (0032,1060). */
  requestedProcedureDescription: z.string().optional(),
  /** Scheduled Procedure Step ID (0040,0009). */
  scheduledProcedureStepID: z.string().optional(),
  /** Scheduled Procedure Step Description (0040,0007). */
  scheduledProcedureStepDescription: z.string().optional(),
});

const PerformedSeriesSchema = z.object({
  /** Series Instance UID (0020,000E). */
  seriesInstanceUID: Uid,
  /** Protocol Name (0018,1030). */
  protocolName: z.string(),
  /** Series Description (0008,103E). */
  seriesDescription: z.string().optional(),
  /**
   * The instances of the series: the Referenced Image Sequence (0008,1140) followed by the Referenced
   * Non-Image Composite SOP Instance Sequence (0040,0220), whose split has no meaning (PS3.4 F.7.2.2.2).
   */
  instances: z.array(z.object({ sopClassUID: Uid, sopInstanceUID: Uid })),
});

/** A coded entry (PS3.3 8.8): Code Value, else Long Code Value, else URN Code Value, as codeValue. */
const CodeSchema = z.object({
  codeValue: z.string().optional(),
  codingSchemeDesignator: z.string().optional(),
  codeMeaning: z.string(),
});

/** The fields the three procedure-step events share. */
export const ProcedureStepFields = {
  /** The MPPS SOP Instance UID: the step's identity across all its events. */
  sopInstanceUID: Uid,
  /** 1 for the N-CREATE; each accepted N-SET adds one. A consumer keeps the highest it has seen. */
  revision: z.number().int().positive(),
  /** Study Instance UID of the first Scheduled Step Attribute Sequence item: the message key. */
  studyInstanceUID: Uid,
  /** Performed Procedure Step ID (0040,0253). */
  performedProcedureStepID: z.string().min(1),
  /** Modality (0008,0060). */
  modality: z.string().min(1),
  /** Performed Station AE Title (0040,0241). */
  performedStationAETitle: z.string().min(1),
  /** Performed Station Name (0040,0242). */
  performedStationName: z.string().optional(),
  /** Performed Location (0040,0243). */
  performedLocation: z.string().optional(),
  /** Performed Procedure Step Description (0040,0254). */
  description: z.string().optional(),
  /** Performed Procedure Step Start Date (0040,0244) and Time (0040,0245). */
  startDateTime: LocalDateTimeSchema,
  /** Performed Procedure Step End Date (0040,0250) and Time (0040,0251), once both are known. */
  endDateTime: LocalDateTimeSchema.optional(),
  patient: z.object({
    /** Patient ID (0010,0020). */
    patientID: z.string().optional(),
    /** Issuer of Patient ID (0010,0021). */
    issuerOfPatientID: z.string().optional(),
    /** Patient's Name (0010,0010), alphabetic group, in DICOM form ("Family^Given"). */
    patientName: z.string().optional(),
  }),
  /** The Scheduled Step Attribute Sequence (0040,0270): the scheduled steps (orders) this step performs. */
  scheduledSteps: z.array(ScheduledStepSchema).min(1),
  /** The Performed Series Sequence (0040,0340). */
  performedSeries: z.array(PerformedSeriesSchema),
  /** Performed Procedure Step Discontinuation Reason Code Sequence (0040,0281), when given. */
  discontinuationReasons: z.array(CodeSchema).optional(),
  /** The association the change came on. */
  receivedVia: z.object({
    callingAETitle: z.string(),
    calledAETitle: z.string(),
    remoteAddress: z.string(),
  }),
};
