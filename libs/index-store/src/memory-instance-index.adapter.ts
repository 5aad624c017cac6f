import { matchesAll, numberValue, splitByLevel, stringValue, tagKey, Tags, type DicomJsonDataset, type QueryModel } from '@tessera/dicom';
import type { IndexedInstance, IndexOutcome, InstanceIndex, InstanceRecord, Page, PatientRecord, SearchScope, SeriesRecord, StudyRecord } from './instance-index.port';

interface StudyState {
  attributes: DicomJsonDataset;
}
interface SeriesState {
  study: string;
  attributes: DicomJsonDataset;
}

/**
 * The in-memory twin of the index, for unit tests and for checking that the SQL adapter matches the
 * core's matching rules (both run the same contract suite).
 */
export class MemoryInstanceIndex implements InstanceIndex {
  private readonly studies = new Map<string, StudyState>();
  private readonly series = new Map<string, SeriesState>();
  private readonly instances = new Map<string, IndexedInstance>();

  async index(instance: IndexedInstance): Promise<IndexOutcome> {
    const key = `${instance.tenant}/${instance.sopInstanceUID}`;
    const existing = this.instances.get(key);
    if (existing && existing.datasetSha256 === instance.datasetSha256 && existing.objectKey === instance.objectKey) return 'unchanged';
    const levels = splitByLevel(instance.metadata);
    this.studies.set(`${instance.tenant}/${instance.studyInstanceUID}`, { attributes: levels.study });
    this.series.set(`${instance.tenant}/${instance.seriesInstanceUID}`, { study: instance.studyInstanceUID, attributes: levels.series });
    this.instances.set(key, instance);
    return 'indexed';
  }

  async indexMany(instances: readonly IndexedInstance[]): Promise<IndexOutcome[]> {
    const results: IndexOutcome[] = [];
    for (const instance of instances) results.push(await this.index(instance));
    return results;
  }

  async searchPatients(tenant: string, query: QueryModel, pageSize: number): Promise<Page<PatientRecord>> {
    // A patient is its Patient ID and Issuer (the key of the patient table); the latest study's patient attributes win.
    const patients = new Map<string, { attributes: DicomJsonDataset; studies: StudyRecord[] }>();
    for (const [key, state] of this.studies) {
      if (!key.startsWith(`${tenant}/`)) continue;
      const attributes = splitByLevel(state.attributes).patient;
      const id = `${stringValue(attributes, tagKey(Tags.PatientID)) ?? ''}\u0000${stringValue(attributes, tagKey(Tags.IssuerOfPatientID)) ?? ''}`;
      const entry = patients.get(id) ?? { attributes, studies: [] };
      entry.attributes = attributes;
      entry.studies.push(this.studyRecord(tenant, key.slice(tenant.length + 1)));
      patients.set(id, entry);
    }
    const records = [...patients.entries()]
      .sort(([a], [b]) => compare(a, b))
      .map(([, p]) => ({
        attributes: p.attributes,
        numberOfStudies: p.studies.length,
        numberOfSeries: p.studies.reduce((n, s) => n + s.numberOfSeries, 0),
        numberOfInstances: p.studies.reduce((n, s) => n + s.numberOfInstances, 0),
      }))
      .filter((p) => matchesAll(p.attributes, query.keys));
    return page(records, query, pageSize);
  }

  async searchStudies(tenant: string, query: QueryModel, pageSize: number): Promise<Page<StudyRecord>> {
    const records = [...this.studies.entries()]
      .filter(([k]) => k.startsWith(`${tenant}/`))
      .map(([k]) => this.studyRecord(tenant, k.slice(tenant.length + 1)))
      .filter((r) => matchesAll(studyView(r), query.keys))
      .sort((a, b) => compare(uid(a.attributes, Tags.StudyInstanceUID), uid(b.attributes, Tags.StudyInstanceUID)));
    return page(records, query, pageSize);
  }

  async searchSeries(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<SeriesRecord>> {
    const records = [...this.series.entries()]
      .filter(([k, s]) => k.startsWith(`${tenant}/`) && (scope.study === undefined || s.study === scope.study) && (scope.series === undefined || k === `${tenant}/${scope.series}`))
      .map(([k]) => this.seriesRecord(tenant, k.slice(tenant.length + 1)))
      .filter((r) => matchesAll(seriesView(r), query.keys))
      .sort(seriesOrder);
    return page(records, query, pageSize);
  }

  async searchInstances(tenant: string, query: QueryModel, scope: SearchScope, pageSize: number): Promise<Page<InstanceRecord>> {
    const records = this.instancesOf(tenant, scope)
      .map((i) => ({ series: this.seriesRecord(tenant, i.seriesInstanceUID), metadata: i.metadata, transferSyntaxUID: i.transferSyntaxUID }))
      .filter((r) => matchesAll({ ...r.metadata, ...seriesView(r.series) }, query.keys))
      .sort(instanceOrder);
    return page(records, query, pageSize);
  }

  // The RIS (ADT) never speaks to the in-memory index, so no study's patient is coerced.
  currentPatients(_tenant: string, _studyInstanceUIDs: readonly string[]): Promise<Map<string, DicomJsonDataset>> {
    return Promise.resolve(new Map());
  }

  async metadata(tenant: string, scope: { study: string; series?: string; instance?: string }): Promise<DicomJsonDataset[]> {
    return this.instancesOf(tenant, scope)
      .filter((i) => scope.instance === undefined || i.sopInstanceUID === scope.instance)
      .map((i) => ({ series: this.seriesRecord(tenant, i.seriesInstanceUID), metadata: i.metadata, transferSyntaxUID: i.transferSyntaxUID }))
      .sort(instanceOrder)
      .map((r) => r.metadata);
  }

  private instancesOf(tenant: string, scope: SearchScope): IndexedInstance[] {
    return [...this.instances.values()].filter(
      (i) => i.tenant === tenant && (scope.study === undefined || i.studyInstanceUID === scope.study) && (scope.series === undefined || i.seriesInstanceUID === scope.series),
    );
  }

  private studyRecord(tenant: string, study: string): StudyRecord {
    const state = this.studies.get(`${tenant}/${study}`) as StudyState;
    const instances = this.instancesOf(tenant, { study });
    const seriesUids = new Set(instances.map((i) => i.seriesInstanceUID));
    const modalities = new Set<string>();
    for (const s of seriesUids) {
      const m = stringValue(this.series.get(`${tenant}/${s}`)?.attributes ?? {}, tagKey(Tags.Modality));
      if (m !== undefined) modalities.add(m);
    }
    return {
      attributes: state.attributes,
      modalitiesInStudy: [...modalities].sort(compare),
      sopClassesInStudy: [...new Set(instances.map((i) => i.sopClassUID))].sort(compare),
      numberOfSeries: seriesUids.size,
      numberOfInstances: instances.length,
    };
  }

  private seriesRecord(tenant: string, series: string): SeriesRecord {
    const state = this.series.get(`${tenant}/${series}`) as SeriesState;
    return { study: this.studyRecord(tenant, state.study), attributes: state.attributes, numberOfInstances: this.instancesOf(tenant, { series }).length };
  }
}

// What a study is matched against: its attributes plus the computed ones (PS3.4 C.6.1.1.3).
function studyView(r: StudyRecord): DicomJsonDataset {
  return {
    ...r.attributes,
    [tagKey(Tags.ModalitiesInStudy)]: { vr: 'CS', Value: [...r.modalitiesInStudy] },
    [tagKey(Tags.SOPClassesInStudy)]: { vr: 'UI', Value: [...r.sopClassesInStudy] },
    [tagKey(Tags.NumberOfStudyRelatedSeries)]: { vr: 'IS', Value: [r.numberOfSeries] },
    [tagKey(Tags.NumberOfStudyRelatedInstances)]: { vr: 'IS', Value: [r.numberOfInstances] },
  };
}

function seriesView(r: SeriesRecord): DicomJsonDataset {
  return { ...r.attributes, [tagKey(Tags.NumberOfSeriesRelatedInstances)]: { vr: 'IS', Value: [r.numberOfInstances] }, ...studyView(r.study) };
}

function page<T>(records: T[], query: QueryModel, pageSize: number): Page<T> {
  const limit = Math.min(query.limit ?? pageSize, pageSize);
  const rest = records.slice(query.offset);
  return { items: rest.slice(0, limit), truncated: rest.length > limit && (query.limit === undefined || query.limit > pageSize) };
}

function uid(dataset: DicomJsonDataset, tag: number): string {
  return stringValue(dataset, tagKey(tag)) ?? '';
}

function nullsLast(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function seriesOrder(a: SeriesRecord, b: SeriesRecord): number {
  return (
    compare(uid(a.study.attributes, Tags.StudyInstanceUID), uid(b.study.attributes, Tags.StudyInstanceUID)) ||
    nullsLast(numberValue(a.attributes, tagKey(Tags.SeriesNumber)), numberValue(b.attributes, tagKey(Tags.SeriesNumber))) ||
    compare(uid(a.attributes, Tags.SeriesInstanceUID), uid(b.attributes, Tags.SeriesInstanceUID))
  );
}

function instanceOrder(a: InstanceRecord, b: InstanceRecord): number {
  return (
    seriesOrder(a.series, b.series) ||
    nullsLast(numberValue(a.metadata, tagKey(Tags.InstanceNumber)), numberValue(b.metadata, tagKey(Tags.InstanceNumber))) ||
    compare(uid(a.metadata, Tags.SOPInstanceUID), uid(b.metadata, Tags.SOPInstanceUID))
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
