import type { DicomJsonDataset } from '@tessera/dicom';

// What the index gives the FHIR resources to be built from (DICOM attributes, PS3.4 C.6.1.1).

/** A patient of the index, under its logical id; one merged into another (ADT^A40) names the survivor's. */
export interface IndexedPatient {
  readonly id: string;
  readonly patientID: string;
  readonly issuerOfPatientID: string;
  /** Patient-level attributes in the DICOM JSON Model. */
  readonly attributes: DicomJsonDataset;
  readonly mergedIntoId?: string;
}

/** An instance as an ImagingStudy lists it. */
export interface IndexedInstanceSummary {
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly instanceNumber?: number;
}

export interface IndexedSeries {
  /** Series-level attributes. */
  readonly attributes: DicomJsonDataset;
  readonly numberOfInstances: number;
  readonly instances: readonly IndexedInstanceSummary[];
}

/** A study of the index with its series and their instances, and the logical id of its patient. */
export interface IndexedStudy {
  readonly patientId: string;
  /** Patient- and study-level attributes. */
  readonly attributes: DicomJsonDataset;
  readonly modalitiesInStudy: readonly string[];
  readonly numberOfSeries: number;
  readonly numberOfInstances: number;
  readonly series: readonly IndexedSeries[];
}
