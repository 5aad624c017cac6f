import { dateSearchRange, type DateRange } from './dates';
import { FhirErrorCode, refuse } from './fhir-error';
import { isFhirId, issuerOfSystem, Systems } from './identifiers';

/** A search parameter a resource type supports (FHIR R4 3.1.1.4), as the CapabilityStatement lists it. */
export interface SearchParameterDefinition {
  readonly name: string;
  readonly type: 'token' | 'string' | 'date' | 'reference';
  /** The R4 base SearchParameter it implements. */
  readonly definition: string;
  readonly documentation: string;
}

/** Each parameter's values: one list per occurrence (all must match), each of alternatives (any may match). */
export type AndOr<T> = readonly (readonly T[])[];

/** A page of a search: where it starts and how many it holds. */
export interface SearchPage {
  readonly offset: number;
  readonly count: number;
}

/** Results a page holds when the request does not say, and at most. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Parameters every search takes besides the resource's own. */
const CONTROL = ['_count', '_offset', '_format'];

/** The values of a search request, checked against what the resource type supports. */
export interface SearchRequest {
  readonly values: ReadonlyMap<string, AndOr<string>>;
  readonly page: SearchPage;
  /** The parameters as received, without paging, to build the Bundle's links from. */
  readonly params: readonly (readonly [string, string])[];
}

/**
 * Reads a search's query parameters (FHIR R4 3.1.1). This server is strict (3.1.1.3.5): a parameter
 * or modifier it does not support is refused (400) rather than ignored, so no client mistakes an
 * ignored criterion for a match. Commas separate alternatives ("\," is a comma in a value).
 */
export function readSearch(definitions: readonly SearchParameterDefinition[], pairs: readonly (readonly [string, string])[]): SearchRequest {
  const values = new Map<string, string[][]>();
  let offset = 0;
  let count = DEFAULT_PAGE_SIZE;
  const params: [string, string][] = [];
  for (const [name, value] of pairs) {
    if (name === '_count') count = integer(name, value, 0, MAX_PAGE_SIZE);
    else if (name === '_offset') offset = integer(name, value, 0, Number.MAX_SAFE_INTEGER);
    else if (CONTROL.includes(name)) continue;
    else {
      const [base, modifier] = name.split(':', 2);
      const definition = definitions.find((d) => d.name === base);
      if (!definition) refuse(FhirErrorCode.InvalidSearch, `the search parameter "${name}" is not supported; this server supports ${[...definitions.map((d) => d.name), '_count', '_offset'].join(', ')}`);
      if (modifier !== undefined) refuse(FhirErrorCode.InvalidSearch, `the modifier ":${modifier}" of "${base}" is not supported`);
      const alternatives = splitAlternatives(value);
      if (alternatives.some((a) => a === '')) refuse(FhirErrorCode.InvalidSearch, `${name}: an empty value matches nothing; leave the parameter out instead`);
      values.set(name, [...(values.get(name) ?? []), alternatives]);
      params.push([name, value]);
    }
  }
  return { values, page: { offset, count }, params };
}

function integer(name: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) refuse(FhirErrorCode.InvalidSearch, `${name} must be a whole number of at least ${min}, not "${value}"`);
  return Math.min(Number(value), max);
}

function splitAlternatives(value: string): string[] {
  const out: string[] = [''];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && i + 1 < value.length) out[out.length - 1] += value[++i];
    else if (c === ',') out.push('');
    else out[out.length - 1] += c;
  }
  return out;
}

/** A token (FHIR R4 3.1.1.5.7): [system]|code, |code (no system), or code (any system). */
export interface Token {
  readonly system?: string;
  readonly code: string;
}

export function readToken(value: string): Token {
  const bar = value.indexOf('|');
  return bar < 0 ? { code: value } : { system: value.slice(0, bar), code: value.slice(bar + 1) };
}

/** The values of one parameter mapped, or none when the request does not use it. */
function each<T>(request: SearchRequest, name: string, map: (value: string) => T): AndOr<T> | undefined {
  const groups = request.values.get(name);
  return groups?.map((group) => group.map(map));
}

/** What a Patient search asks of the index. Names match the start of a name part, case-insensitively (FHIR R4 3.1.1.5.3). */
export interface PatientCriteria {
  readonly ids?: AndOr<string>;
  /** Patient ID and, when the system says, Issuer of Patient ID ("" for none). */
  readonly identifiers?: AndOr<{ readonly patientID: string; readonly issuerOfPatientID?: string }>;
  readonly names?: AndOr<string>;
  readonly families?: AndOr<string>;
  readonly givens?: AndOr<string>;
  readonly birthDates?: AndOr<DateRange>;
  /** Patient's Sex values: M, F, O, or "" for none (FHIR unknown). */
  readonly sexes?: AndOr<string>;
}

const GENDER_SYSTEM = 'http://hl7.org/fhir/administrative-gender';
const SEXES: Readonly<Record<string, string>> = { male: 'M', female: 'F', other: 'O', unknown: '' };

export const PATIENT_SEARCH: readonly SearchParameterDefinition[] = [
  { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id', documentation: 'The logical id of the patient.' },
  { name: 'identifier', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Patient-identifier', documentation: 'Patient ID; the system is that of the Issuer of Patient ID (urn:oid: for an OID, the URI itself, or urn:tessera:issuer: and its local namespace ID); |value for a patient without an issuer.' },
  { name: 'name', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/Patient-name', documentation: 'The start of any part of the name (family, given, middle, prefix, suffix), case-insensitive.' },
  { name: 'family', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/individual-family', documentation: 'The start of the family name, case-insensitive.' },
  { name: 'given', type: 'string', definition: 'http://hl7.org/fhir/SearchParameter/individual-given', documentation: 'The start of a given or middle name, case-insensitive.' },
  { name: 'birthdate', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/individual-birthdate', documentation: 'Date of birth, with the prefixes eq, ge, le, gt, lt, to the day.' },
  { name: 'gender', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/individual-gender', documentation: 'male, female, other or unknown (Patient\'s Sex M, F, O, or none).' },
];

/** A Patient search's criteria. */
export function patientCriteria(request: SearchRequest): PatientCriteria {
  const lower = (v: string): string => v.toLowerCase();
  const ids = each(request, '_id', (v) => v);
  const identifiers = each(request, 'identifier', (v) => {
    const token = readToken(v);
    if (token.code === '') refuse(FhirErrorCode.InvalidSearch, `identifier "${v}" has no value`);
    return token.system === undefined ? { patientID: token.code } : { patientID: token.code, issuerOfPatientID: token.system === '' ? '' : issuerOfSystem(token.system) };
  });
  const names = each(request, 'name', lower);
  const families = each(request, 'family', lower);
  const givens = each(request, 'given', lower);
  const birthDates = each(request, 'birthdate', (v) => dateSearchRange('birthdate', v));
  const sexes = each(request, 'gender', (v) => {
    const token = readToken(v);
    const sex = SEXES[token.code];
    if (sex === undefined || (token.system !== undefined && token.system !== GENDER_SYSTEM)) refuse(FhirErrorCode.InvalidSearch, `gender "${v}" is not one of male, female, other, unknown (${GENDER_SYSTEM})`);
    return sex;
  });
  return { ...(ids && { ids }), ...(identifiers && { identifiers }), ...(names && { names }), ...(families && { families }), ...(givens && { givens }), ...(birthDates && { birthDates }), ...(sexes && { sexes }) };
}

/** An ImagingStudy identifier searched for: a Study Instance UID, an Accession Number, or one no study has. */
export type StudyIdentifier = { readonly kind: 'uid'; readonly value: string } | { readonly kind: 'accession'; readonly value: string } | { readonly kind: 'none' };

/** What an ImagingStudy search asks of the index. */
export interface StudyCriteria {
  readonly uids?: AndOr<string>;
  /** Patients by logical id. */
  readonly patients?: AndOr<string>;
  readonly identifiers?: AndOr<StudyIdentifier>;
  readonly dates?: AndOr<DateRange>;
  /** Modalities in Study. */
  readonly modalities?: AndOr<string>;
}

export const IMAGING_STUDY_SEARCH: readonly SearchParameterDefinition[] = [
  { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id', documentation: 'The logical id: the Study Instance UID.' },
  { name: 'patient', type: 'reference', definition: 'http://hl7.org/fhir/SearchParameter/clinical-patient', documentation: 'The patient, as Patient/{id} or {id}.' },
  { name: 'identifier', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/clinical-identifier', documentation: 'The Study Instance UID (urn:dicom:uid|urn:oid:{uid}, or urn:oid:{uid}) or the Accession Number (its value, without a system).' },
  { name: 'started', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/ImagingStudy-started', documentation: 'The Study Date, with the prefixes eq, ge, le, gt, lt, to the day.' },
  { name: 'modality', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/ImagingStudy-modality', documentation: `A modality of the study's series (${Systems.Dcm}|CT, or CT).` },
];

/** An ImagingStudy search's criteria. */
export function studyCriteria(request: SearchRequest): StudyCriteria {
  const uids = each(request, '_id', (v) => v);
  const patients = each(request, 'patient', (v) => {
    const m = /^(?:.*\/)?(?:Patient\/)?([^/]+)$/.exec(v);
    const id = m?.[1];
    if (id === undefined || !isFhirId(id) || (v.includes('/') && !/(^|\/)Patient\/[^/]+$/.test(v))) refuse(FhirErrorCode.InvalidSearch, `patient "${v}" is not a reference to a Patient (Patient/{id} or {id})`);
    return id;
  });
  const identifiers = each(request, 'identifier', (v): StudyIdentifier => {
    const token = readToken(v);
    const uid = token.code.startsWith('urn:oid:') ? token.code.slice(8) : undefined;
    if (token.system === Systems.DicomUid) return uid !== undefined ? { kind: 'uid', value: uid } : { kind: 'none' };
    if (token.system === undefined && uid !== undefined) return { kind: 'uid', value: uid };
    if (token.system === undefined || token.system === '') return { kind: 'accession', value: token.code };
    return { kind: 'none' };
  });
  const dates = each(request, 'started', (v) => dateSearchRange('started', v));
  const modalities = each(request, 'modality', (v) => {
    const token = readToken(v);
    if (token.system !== undefined && token.system !== Systems.Dcm) refuse(FhirErrorCode.InvalidSearch, `modality "${v}": modalities are codes of ${Systems.Dcm}`);
    return token.code;
  });
  return { ...(uids && { uids }), ...(patients && { patients }), ...(identifiers && { identifiers }), ...(dates && { dates }), ...(modalities && { modalities }) };
}
