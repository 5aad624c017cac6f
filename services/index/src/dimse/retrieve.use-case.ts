import type { ObjectCatalog, StoredObject } from '@tessera/catalog';
import { matchKey, Tags, tagKey, type DicomJsonDataset, type QueryLevel } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import { IdentifierError, type InformationModel } from './find.use-case';

const PAGE = 500;

/** A stored instance to send, with the patient-level attributes its patient has now (to coerce it to). */
export type RetrievableObject = StoredObject & { readonly patient?: DicomJsonDataset };

/**
 * What a C-MOVE or C-GET identifier names (PS3.4 C.4.2.2.1, C.4.3.2.1): the stored instances of the
 * patients, studies, series or instances its unique keys list. Retrieval is hierarchical: the unique
 * key of each level above the Query/Retrieve Level has one value, the key of that level one or more.
 * Studies come from the object catalog, which knows an instance as soon as it is stored; only a
 * PATIENT-level retrieve asks the index which studies a patient has. Each instance comes with its
 * patient's current attributes, which the instance sent carries (IHE RAD TF-2 4.12.4.1.3).
 */
export class RetrieveUseCase {
  constructor(
    private readonly catalog: ObjectCatalog,
    private readonly index: InstanceIndex,
  ) {}

  /** The instances to send, each once; throws IdentifierError when the identifier cannot be served. */
  async resolve(tenant: string, identifier: DicomJsonDataset, model: InformationModel): Promise<RetrievableObject[]> {
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
        const [study] = values(identifier, Tags.StudyInstanceUID, 'SERIES', 'one');
        for (const series of values(identifier, Tags.SeriesInstanceUID, 'SERIES', 'many')) add(await this.catalog.list(tenant, { study: study as string, series }));
        break;
      }
      case 'IMAGE': {
        const [study] = values(identifier, Tags.StudyInstanceUID, 'IMAGE', 'one');
        const [series] = values(identifier, Tags.SeriesInstanceUID, 'IMAGE', 'one');
        for (const instance of values(identifier, Tags.SOPInstanceUID, 'IMAGE', 'many')) add(await this.catalog.list(tenant, { study: study as string, series: series as string, instance }));
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

/** The values of a unique key, checked: exactly one above the retrieve level, at least one at it. */
function values(identifier: DicomJsonDataset, tag: number, level: QueryLevel, count: 'one' | 'many'): string[] {
  const found = (identifier[tagKey(tag)]?.Value ?? []).map((v) => String(v ?? '').trim()).filter((v) => v !== '');
  const name = `(${tagKey(tag).slice(0, 4)},${tagKey(tag).slice(4)})`;
  if (found.length === 0) throw new IdentifierError(`${name} is required for a ${level}-level retrieve (PS3.4 C.4.2.2.1)`);
  if (count === 'one' && found.length > 1) throw new IdentifierError(`${name} must have a single value for a ${level}-level retrieve`);
  if (found.some((v) => /[*?]/.test(v))) throw new IdentifierError(`${name} must name instances, not match them: no wildcards in a retrieve`);
  return found;
}
