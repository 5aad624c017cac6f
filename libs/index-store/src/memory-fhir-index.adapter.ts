import { levelOfTag, numberValue, parseTagKey, personNameValue, splitByLevel, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import type { AndOr, DateRange, IndexedPatient, IndexedStudy, PatientCriteria, SearchPage, StudyCriteria, StudyIdentifier } from '@tessera/fhir';
import type { FhirIndex, Found } from './fhir-index.port';
import type { IndexedInstance } from './instance-index.port';

interface PatientState {
  id: string;
  tenant: string;
  patientID: string;
  issuerOfPatientID: string;
  attributes: DicomJsonDataset;
  mergedInto?: string;
}

/**
 * The in-memory twin of the FHIR read side of the index, for unit tests: it indexes instances as
 * the index does (one patient per Patient ID and issuer, the study's and series' attributes from the
 * latest instance) and merges patients as ADT^A40 does.
 */
export class MemoryFhirIndex implements FhirIndex {
  private readonly patients: PatientState[] = [];
  private readonly studies = new Map<string, { patient: string; attributes: DicomJsonDataset }>();
  private readonly series = new Map<string, { study: string; attributes: DicomJsonDataset }>();
  private readonly instances = new Map<string, IndexedInstance>();

  /** Indexes a stored instance (as the index role does on instance.stored). */
  add(instance: IndexedInstance): void {
    const levels = splitByLevel(instance.metadata);
    const patientID = stringValue(levels.patient, tagKey(Tags.PatientID)) ?? '';
    const issuer = stringValue(levels.patient, tagKey(Tags.IssuerOfPatientID)) ?? '';
    let patient = this.patients.find((p) => p.tenant === instance.tenant && p.patientID === patientID && p.issuerOfPatientID === issuer);
    if (!patient) {
      patient = { id: String(this.patients.length + 1), tenant: instance.tenant, patientID, issuerOfPatientID: issuer, attributes: levels.patient };
      this.patients.push(patient);
    }
    patient.attributes = levels.patient;
    this.studies.set(`${instance.tenant}/${instance.studyInstanceUID}`, { patient: patient.id, attributes: levels.study });
    this.series.set(`${instance.tenant}/${instance.seriesInstanceUID}`, { study: instance.studyInstanceUID, attributes: levels.series });
    this.instances.set(`${instance.tenant}/${instance.sopInstanceUID}`, instance);
  }

  /** Merges patient `prior` into `survivor` (ADT^A40): its studies move and take the survivor's attributes. */
  merge(tenant: string, prior: { patientID: string; issuerOfPatientID: string }, survivor: { patientID: string; issuerOfPatientID: string }): void {
    const find = (p: typeof prior) => this.patients.find((s) => s.tenant === tenant && s.patientID === p.patientID && s.issuerOfPatientID === p.issuerOfPatientID) as PatientState;
    const [from, to] = [find(prior), find(survivor)];
    for (const p of this.patients) if (p.mergedInto === from.id) p.mergedInto = to.id;
    from.mergedInto = to.id;
    for (const study of this.studies.values()) {
      if (study.patient !== from.id) continue;
      study.patient = to.id;
      const own = Object.fromEntries(Object.entries(study.attributes).filter(([k]) => levelOfTag(parseTagKey(k) ?? 0) !== 'PATIENT'));
      study.attributes = { ...own, ...to.attributes };
    }
  }

  async patient(tenant: string, id: string): Promise<IndexedPatient | undefined> {
    const p = this.patients.find((s) => s.tenant === tenant && s.id === id);
    return p && indexedPatient(p);
  }

  async searchPatients(tenant: string, criteria: PatientCriteria, page: SearchPage): Promise<Found<IndexedPatient>> {
    const matches = this.patients
      .filter((p) => p.tenant === tenant && patientMatches(p, criteria))
      .sort((a, b) => compare(a.patientID, b.patientID) || compare(a.issuerOfPatientID, b.issuerOfPatientID) || Number(a.id) - Number(b.id));
    return { total: matches.length, items: matches.slice(page.offset, page.offset + page.count).map(indexedPatient) };
  }

  async study(tenant: string, studyInstanceUID: string): Promise<IndexedStudy | undefined> {
    return this.studies.has(`${tenant}/${studyInstanceUID}`) ? this.indexedStudy(tenant, studyInstanceUID) : undefined;
  }

  async searchStudies(tenant: string, criteria: StudyCriteria, page: SearchPage): Promise<Found<IndexedStudy>> {
    const matches = [...this.studies.keys()]
      .filter((k) => k.startsWith(`${tenant}/`))
      .map((k) => this.indexedStudy(tenant, k.slice(tenant.length + 1)))
      .filter((s) => studyMatches(s, criteria))
      .sort((a, b) => compare(uidOf(a), uidOf(b)));
    return { total: matches.length, items: matches.slice(page.offset, page.offset + page.count) };
  }

  private indexedStudy(tenant: string, uid: string): IndexedStudy {
    const study = this.studies.get(`${tenant}/${uid}`) as { patient: string; attributes: DicomJsonDataset };
    const instances = [...this.instances.values()].filter((i) => i.tenant === tenant && i.studyInstanceUID === uid);
    const series = [...new Set(instances.map((i) => i.seriesInstanceUID))]
      .map((s) => ({ uid: s, attributes: (this.series.get(`${tenant}/${s}`) as { attributes: DicomJsonDataset }).attributes }))
      .sort((a, b) => nullsLast(numberValue(a.attributes, tagKey(Tags.SeriesNumber)), numberValue(b.attributes, tagKey(Tags.SeriesNumber))) || compare(a.uid, b.uid))
      .map((s) => {
        const own = instances
          .filter((i) => i.seriesInstanceUID === s.uid)
          .map((i) => ({ sopInstanceUID: i.sopInstanceUID, sopClassUID: i.sopClassUID, instanceNumber: numberValue(i.metadata, tagKey(Tags.InstanceNumber)) }))
          .sort((a, b) => nullsLast(a.instanceNumber, b.instanceNumber) || compare(a.sopInstanceUID, b.sopInstanceUID))
          .map((i) => (i.instanceNumber === undefined ? { sopInstanceUID: i.sopInstanceUID, sopClassUID: i.sopClassUID } : i));
        return { attributes: s.attributes, numberOfInstances: own.length, instances: own };
      });
    const modalities = [...new Set(series.map((s) => stringValue(s.attributes, tagKey(Tags.Modality))).filter((m): m is string => m !== undefined))].sort(compare);
    return { patientId: study.patient, attributes: study.attributes, modalitiesInStudy: modalities, numberOfSeries: series.length, numberOfInstances: instances.length, series };
  }
}

function indexedPatient(p: PatientState): IndexedPatient {
  return { id: p.id, patientID: p.patientID, issuerOfPatientID: p.issuerOfPatientID, attributes: p.attributes, ...(p.mergedInto !== undefined ? { mergedIntoId: p.mergedInto } : {}) };
}

/** Every group has an alternative that matches. */
function all<T>(groups: AndOr<T> | undefined, matches: (value: T) => boolean): boolean {
  return (groups ?? []).every((group) => group.some(matches));
}

const inRange = (value: string | undefined, r: DateRange): boolean => value !== undefined && (r.from === undefined || value >= r.from) && (r.to === undefined || value <= r.to);
const words = (text: string): string[] => text.toLowerCase().split(/\s+/).filter(Boolean);

function patientMatches(p: PatientState, c: PatientCriteria): boolean {
  const name = personNameValue(p.attributes, tagKey(Tags.PatientName))?.Alphabetic ?? '';
  const [family = '', given = '', middle = ''] = name.split('^');
  const parts = name.split('^').flatMap(words);
  return (
    all(c.ids, (id) => id === p.id) &&
    all(c.identifiers, (i) => i.patientID === p.patientID && (i.issuerOfPatientID === undefined || i.issuerOfPatientID === p.issuerOfPatientID)) &&
    all(c.names, (v) => parts.some((w) => w.startsWith(v))) &&
    all(c.families, (v) => family.toLowerCase().startsWith(v)) &&
    all(c.givens, (v) => [...words(given), ...words(middle)].some((w) => w.startsWith(v))) &&
    all(c.birthDates, (r) => inRange(stringValue(p.attributes, tagKey(Tags.PatientBirthDate)), r)) &&
    all(c.sexes, (s) => (stringValue(p.attributes, tagKey(Tags.PatientSex)) ?? '') === s)
  );
}

function studyMatches(s: IndexedStudy, c: StudyCriteria): boolean {
  const identifierMatches = (i: StudyIdentifier): boolean => (i.kind === 'uid' ? uidOf(s) === i.value : i.kind === 'accession' ? stringValue(s.attributes, tagKey(Tags.AccessionNumber)) === i.value : false);
  return (
    all(c.uids, (u) => u === uidOf(s)) &&
    all(c.patients, (p) => p === s.patientId) &&
    all(c.identifiers, identifierMatches) &&
    all(c.dates, (r) => inRange(stringValue(s.attributes, tagKey(Tags.StudyDate)), r)) &&
    all(c.modalities, (m) => s.modalitiesInStudy.includes(m))
  );
}

const uidOf = (s: IndexedStudy): string => stringValue(s.attributes, tagKey(Tags.StudyInstanceUID)) ?? '';

function nullsLast(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
