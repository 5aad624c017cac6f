import type { DicomJsonDataset, QueryModel } from '@tessera/dicom';

/** An instance as the index records it. */
export interface IndexedInstance {
  readonly tenant: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly transferSyntaxUID: string;
  readonly objectKey: string;
  readonly sizeBytes: number;
  readonly datasetOffset: number;
  readonly datasetSha256: string;
  readonly storedAt: Date;
  /** Every attribute in the DICOM JSON Model (bulk data as BulkDataURI). */
  readonly metadata: DicomJsonDataset;
}

/** A patient match: its attributes and what is computed over its studies (PS3.4 C.6.1.1.2). */
export interface PatientRecord {
  readonly attributes: DicomJsonDataset;
  readonly numberOfStudies: number;
  readonly numberOfSeries: number;
  readonly numberOfInstances: number;
}

/** A study match: its attributes (patient and study level) and what is computed over its series. */
export interface StudyRecord {
  readonly attributes: DicomJsonDataset;
  readonly modalitiesInStudy: readonly string[];
  readonly sopClassesInStudy: readonly string[];
  readonly numberOfSeries: number;
  readonly numberOfInstances: number;
}

/** A series match, with its study. */
export interface SeriesRecord {
  readonly study: StudyRecord;
  readonly attributes: DicomJsonDataset;
  readonly numberOfInstances: number;
}

/** An instance match, with its series and study. */
export interface InstanceRecord {
  readonly series: SeriesRecord;
  readonly metadata: DicomJsonDataset;
  readonly transferSyntaxUID: string;
}

/** A page of matches; `truncated` says more matched than the page holds. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly truncated: boolean;
}

/** Restricts a search to a study and series (the QIDO URL's path). */
export interface SearchScope {
  readonly study?: string;
  readonly series?: string;
}

/**
 * What indexing an instance did: `erased` when an erasure of its patient claimed its object before the
 * instance reached the index (it is not indexed: it belongs to an erased patient, and its object is gone).
 */
export type IndexOutcome = 'indexed' | 'unchanged' | 'erased';

/**
 * The metadata index (ARCHITECTURE §1, role index). `index` is idempotent: indexing the same stored
 * instance again changes nothing, so events can be redelivered or replayed.
 */
export interface InstanceIndex {
  index(instance: IndexedInstance): Promise<IndexOutcome>;
  /**
   * Indexes several instances with the same effect as index() on each in turn, all or nothing (one
   * transaction), so that a consumer can index a batch of events at once.
   */
  indexMany(instances: readonly IndexedInstance[]): Promise<IndexOutcome[]>;
  searchPatients(tenant: string, query: QueryModel, pageSize: number): Promise<Page<PatientRecord>>;
  searchStudies(tenant: string, query: QueryModel, pageSize: number): Promise<Page<StudyRecord>>;
  searchSeries(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<SeriesRecord>>;
  searchInstances(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<InstanceRecord>>;
  /**
   * The patient-level attributes (PS3.4 C.6.1.1.2) that each of these studies' patient has now, as
   * the RIS set them (ADT): what retrieved objects are coerced to. Studies the index does not have,
   * and those whose patient the RIS never updated (their objects carry their demographics already),
   * are left out.
   */
  currentPatients(tenant: string, studyInstanceUIDs: readonly string[]): Promise<Map<string, DicomJsonDataset>>;
  /** The metadata of every instance in a study, series or single instance, in instance order. */
  metadata(tenant: string, scope: { readonly study: string; readonly series?: string; readonly instance?: string }): Promise<DicomJsonDataset[]>;
}
