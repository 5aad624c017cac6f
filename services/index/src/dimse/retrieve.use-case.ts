import type { ObjectCatalog, StoredObject } from '@tessera/catalog';
import { matchKey, Tags, tagKey, type DicomJsonDataset, type QueryLevel } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import { IdentifierError, type InformationModel } from './find.use-case';

const PAGE = 500;

/** A stored instance to send, with the patient-level attributes its patient has now (to coerce it to). */
export type RetrievableObject = StoredObject & { readonly patient?: DicomJsonDataset };

/** How to read a retrieve identifier, as the association negotiated. */
export interface RetrieveOptions {
  /**
   * Relational retrieve (PS3.4 C.4.2.2.1.2, agreed by SOP Class Extended Negotiation, C.5.2.1.1 /
   * C.5.3.1.1): the unique keys of the levels above may be absent.
   */
  readonly relational?: boolean;
}

/**
 * What a C-MOVE or C-GET identifier names (PS3.4 C.4.2.2.1, C.4.3.2.1): the stored instances of the
 * patients, studies, series or instances its unique keys list. Retrieval is hierarchical unless
 * relational retrieve was negotiated: the unique key of each level above the Query/Retrieve Level has
 * one value, the key of that level one or more. Relational, the keys above may be left out (or given,
 * to narrow). Studies come from the object catalog, which knows an instance as soon as it is stored;
 * a PATIENT-level retrieve, and a relational SERIES-level one without its study, ask the index which
 * studies hold them. Each instance comes with its patient's current attributes, which the instance
 * sent carries (IHE RAD TF-2 4.12.4.1.3).
 */
export class RetrieveUseCase {
  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly index: InstanceIndex,
  ) {}

  /** The instances to send, each once; throws IdentifierError when the identifier cannot be served. */
  async resolve(tenant: string, identifier: DicomJsonDataset, model: InformationModel, options: RetrieveOptions = {}): Promise<RetrievableObject[]> {
    const above = (tag: number, level: QueryLevel): string | undefined => (options.relational ? optionalValue(identifier, tag, level) : values(identifier, tag, level, 'one')[0]);
    const level = identifier[tagKey(Tags.QueryRetrieveLevel)]?.Value?.[0];
    const found = new Map<string, StoredObject>();
    const add = (objects: readonly StoredObject[]): void => {
      for (const o of objects) found.set(o.sopInstanceUID, o);
    };
    switch (level as QueryLevel | undefined) {
      case 'PATIENT': {
        if (model === 'STUDY_ROOT') throw new IdentifierError('The Study Root model has no PATIENT level (PS3.4 C.6.2)');
        const [patientId] = values(identifier, Tags.PatientID, 'PATIENT', 'one');
        for (const study of await this.studiesOfPatient(tenant, patientId as string)) add(await this.catalog.list(tenant, { study }));
        break;
      }
      case 'STUDY':
        for (const study of values(identifier, Tags.StudyInstanceUID, 'STUDY', 'many')) add(await this.catalog.list(tenant, { study }));
        break;
      case 'SERIES': {
        const study = above(Tags.StudyInstanceUID, 'SERIES');
        const seriesUids = values(identifier, Tags.SeriesInstanceUID, 'SERIES', 'many');
        const located = study !== undefined ? seriesUids.map((series) => ({ study, series })) : await this.studiesOfSeries(tenant, seriesUids);
        for (const scope of located) add(await this.catalog.list(tenant, scope));
        break;
      }
      case 'IMAGE': {
        const study = above(Tags.StudyInstanceUID, 'IMAGE');
        const series = above(Tags.SeriesInstanceUID, 'IMAGE');
        for (const instance of values(identifier, Tags.SOPInstanceUID, 'IMAGE', 'many')) {
          if (study !== undefined && series !== undefined) add(await this.catalog.list(tenant, { study, series, instance }));
          else {
            const found = await this.catalog.find(tenant, instance);
            if (found && (study === undefined || found.studyInstanceUID === study) && (series === undefined || found.seriesInstanceUID === series)) add([found]);
          }
        }
        break;
      }
      default:
        throw new IdentifierError('Query/Retrieve Level (0008,0052) is missing or not PATIENT, STUDY, SERIES or IMAGE');
    }
    const objects = [...found.values()];
    const patients = await this.index.currentPatients(tenant, [...new Set(objects.map((o) => o.studyInstanceUID))]);
    return objects.map((o) => {
      const patient = patients.get(o.studyInstanceUID);
      return patient ? { ...o, patient } : o;
    });
  }

  // The study of each series the index knows (a series stored but not indexed yet is not found).
  private async studiesOfSeries(tenant: string, seriesUids: readonly string[]): Promise<{ study: string; series: string }[]> {
    const keys = [matchKey(Tags.SeriesInstanceUID, 'UI', seriesUids.join('\\'))];
    const page = await this.index.searchSeries(tenant, { level: 'SERIES', keys, includeFields: [], limit: seriesUids.length, offset: 0, fuzzyMatching: false }, {}, seriesUids.length);
    return page.items.flatMap((s) => {
      const study = s.study.attributes[tagKey(Tags.StudyInstanceUID)]?.Value?.[0];
      const series = s.attributes[tagKey(Tags.SeriesInstanceUID)]?.Value?.[0];
      return typeof study === 'string' && typeof series === 'string' ? [{ study, series }] : [];
    });
  }

  private async studiesOfPatient(tenant: string, patientId: string): Promise<string[]> {
    const studies: string[] = [];
    const keys = [matchKey(Tags.PatientID, 'LO', patientId)];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.index.searchStudies(tenant, { level: 'STUDY', keys, includeFields: [], limit: PAGE, offset, fuzzyMatching: false }, PAGE);
      for (const study of page.items) {
        const uid = study.attributes[tagKey(Tags.StudyInstanceUID)]?.Value?.[0];
        if (typeof uid === 'string') studies.push(uid);
      }
      if (page.items.length < PAGE) return studies;
    }
  }
}

/** A unique key of a level above, in a relational retrieve: absent, or one value. */
function optionalValue(identifier: DicomJsonDataset, tag: number, level: QueryLevel): string | undefined {
  const given = (identifier[tagKey(tag)]?.Value ?? []).some((v) => String(v ?? '').trim() !== '');
  return given ? values(identifier, tag, level, 'one')[0] : undefined;
}

/** The values of a unique key, checked: exactly one above the retrieve level, at least one at it. */
function values(identifier: DicomJsonDataset, tag: number, level: QueryLevel, count: 'one' | 'many'): string[] {
  const found = (identifier[tagKey(tag)]?.Value ?? []).map((v) => String(v ?? '').trim()).filter((v) => v !== '');
  const name = `(${tagKey(tag).slice(0, 4)},${tagKey(tag).slice(4)})`;
  if (found.length === 0) throw new IdentifierError(`${name} is required for a ${level}-level retrieve (PS3.4 C.4.2.2.1)`);
  if (count === 'one' && found.length > 1) throw new IdentifierError(`${name} must have a single value for a ${level}-level retrieve`);
  if (found.some((v) => /[*?]/.test(v))) throw new IdentifierError(`${name} must name instances, not match them: no wildcards in a retrieve`);
  return found;
}
