import type { IndexedPatient, IndexedStudy, PatientCriteria, SearchPage, StudyCriteria } from '@tessera/fhir';

/** A page of matches and how many there are in all. */
export interface Found<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/**
 * The index as the FHIR API reads it (FHIR R4 Patient, ImagingStudy): patients under a logical id
 * (the patient row's), merged ones too, and studies with their series and instances.
 *
 * Name criteria match, case-insensitively, the start of a family name (`families`), of a word of a
 * given or middle name (`givens`), or of a word of any component of the name (`names`).
 * Patients come in Patient ID, Issuer of Patient ID order; studies in Study Instance UID order.
 */
export interface FhirIndex {
  patient(tenant: string, id: string): Promise<IndexedPatient | undefined>;
  searchPatients(tenant: string, criteria: PatientCriteria, page: SearchPage): Promise<Found<IndexedPatient>>;
  study(tenant: string, studyInstanceUID: string): Promise<IndexedStudy | undefined>;
  searchStudies(tenant: string, criteria: StudyCriteria, page: SearchPage): Promise<Found<IndexedStudy>>;
}
