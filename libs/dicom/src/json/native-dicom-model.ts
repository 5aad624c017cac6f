import { lookupTag } from '../dictionary/dictionary';
import { parseTagKey } from '../tag';
import type { DicomJsonDataset, DicomJsonElement, PersonNameJson } from './dicom-json';

/** The XML namespace of the Native DICOM Model (PS3.19 A.1.6). */
export const NATIVE_DICOM_MODEL_NAMESPACE = 'http://dicom.nema.org/PS3.19/models/NativeDICOM';

// PS3.19 A.1.1: the components of a person name group, in the order of PS3.5 6.2.1.
const NAME_COMPONENTS = ['FamilyName', 'GivenName', 'MiddleName', 'NamePrefix', 'NameSuffix'] as const;
const NAME_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;

/**
 * Writes a data set in the DICOM JSON Model (PS3.18 F) as a Native DICOM Model document (PS3.19 A.1),
 * the part body of an application/dicom+xml response (PS3.18 8.7.3.2): one DicomAttribute per
 * attribute with its tag, VR and (for a standard attribute) keyword; values numbered from 1; person
 * names split into their components; sequences as numbered Items; bulk data as BulkData uri and
 * InlineBinary kept inline.
 */
export function toNativeDicomModel(dataset: DicomJsonDataset): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NativeDicomModel xmlns="${NATIVE_DICOM_MODEL_NAMESPACE}" xml:space="preserve">${attributes(dataset)}</NativeDicomModel>\n`;
}

function attributes(dataset: DicomJsonDataset): string {
  let out = '';
  for (const key of Object.keys(dataset).sort()) out += attribute(key, dataset[key] as DicomJsonElement);
  return out;
}

function attribute(key: string, element: DicomJsonElement): string {
  const tag = parseTagKey(key);
  // Private attributes (odd groups) have no keyword; standard ones carry theirs (PS3.19 A.1.1).
  const keyword = tag !== undefined && ((tag >>> 16) & 1) === 0 ? lookupTag(tag)?.keyword : undefined;
  const head = `<DicomAttribute tag="${key.toUpperCase()}" vr="${element.vr}"${keyword ? ` keyword="${keyword}"` : ''}>`;
  return `${head}${content(element)}</DicomAttribute>`;
}

function content(element: DicomJsonElement): string {
  if (element.BulkDataURI !== undefined) return `<BulkData uri="${escape(element.BulkDataURI)}"/>`;
  if (element.InlineBinary !== undefined) return `<InlineBinary>${escape(element.InlineBinary)}</InlineBinary>`;
  const values = element.Value ?? [];
  if (element.vr === 'SQ') return values.map((item, i) => `<Item number="${i + 1}">${attributes((item ?? {}) as DicomJsonDataset)}</Item>`).join('');
  if (element.vr === 'PN') return values.map((name, i) => `<PersonName number="${i + 1}">${personName((name ?? {}) as PersonNameJson)}</PersonName>`).join('');
  return values.map((value, i) => (value === null || value === undefined ? `<Value number="${i + 1}"/>` : `<Value number="${i + 1}">${escape(String(value))}</Value>`)).join('');
}

function personName(name: PersonNameJson): string {
  let out = '';
  for (const group of NAME_GROUPS) {
    const text = name[group];
    if (text === undefined || text === '') continue;
    const parts = text.split('^');
    const components = NAME_COMPONENTS.map((c, i) => (parts[i] ? `<${c}>${escape(parts[i])}</${c}>` : '')).join('');
    out += `<${group}>${components}</${group}>`;
  }
  return out;
}

// XML text: markup characters escaped, and the C0 controls XML 1.0 cannot carry (all but tab, LF, CR) dropped.
function escape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
