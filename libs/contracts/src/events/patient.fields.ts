import { z } from 'zod';

// What patient and order events say of a patient: its identity in the index and, where the event
// carries them, its current demographics as DICOM values.

/** Patient ID (0010,0020) and Issuer of Patient ID (0010,0021), "" when none: one patient of a tenant. */
export const PatientIdentitySchema = z.object({
  patientID: z.string().min(1),
  issuerOfPatientID: z.string(),
});

/** A patient's demographics as the index now has them (DICOM values, PS3.5 6.2). */
export const PatientDemographicsSchema = z.object({
  /** Patient's Name (0010,0010), the Alphabetic group, components separated by "^". */
  patientName: z.string().optional(),
  /** Patient's Birth Date (0010,0030), YYYYMMDD. */
  patientBirthDate: z.string().optional(),
  /** Patient's Sex (0010,0040): M, F or O. */
  patientSex: z.string().optional(),
});

/**
 * The HL7 message that caused a change, or the FHIR interaction: messageType "ServiceRequest.create"
 * or "ServiceRequest.update", controlId the request's id, sendingApplication the caller (its token's
 * subject), sendingFacility "".
 */
export const CausingMessageSchema = z.object({
  /** MSH-9 code and trigger, e.g. "ADT^A08"; or the FHIR resource type and interaction. */
  messageType: z.string(),
  /** MSH-10; or the HTTP request's id. */
  controlId: z.string(),
  /** MSH-3 and MSH-4, as received; or the FHIR caller and "". */
  sendingApplication: z.string(),
  sendingFacility: z.string(),
});
