import type { VR } from '../vr';

/** A Person Name value in DICOM JSON (PS3.18 F.2.2). */
export interface PersonNameJson {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

/** One attribute in the DICOM JSON Model (PS3.18 F.2). */
export interface DicomJsonElement {
  vr: VR;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** A data set in the DICOM JSON Model: attributes keyed by "GGGGEEEE" in ascending tag order. */
export type DicomJsonDataset = Record<string, DicomJsonElement>;

/** The first value of an attribute as a string (a UID, a code string…), if it has one. */
export function stringValue(dataset: DicomJsonDataset, key: string): string | undefined {
  const value = dataset[key]?.Value?.[0];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value && typeof value === 'object' && 'Alphabetic' in value) return (value as PersonNameJson).Alphabetic;
  return undefined;
}

/** Every value of a multi-valued string attribute. */
export function stringValues(dataset: DicomJsonDataset, key: string): string[] {
  return (dataset[key]?.Value ?? []).filter((v): v is string => typeof v === 'string');
}

/** The first value of a numeric attribute, if it has one. */
export function numberValue(dataset: DicomJsonDataset, key: string): number | undefined {
  const value = dataset[key]?.Value?.[0];
  return typeof value === 'number' ? value : undefined;
}

/** The Person Name text of the Alphabetic group in its DICOM form ("Family^Given"), for matching. */
export function personNameValue(dataset: DicomJsonDataset, key: string): PersonNameJson | undefined {
  const value = dataset[key]?.Value?.[0];
  return value && typeof value === 'object' ? (value as PersonNameJson) : undefined;
}

/** Attributes of a data set restricted to the given keys, in the given data set's order. */
export function pickAttributes(dataset: DicomJsonDataset, keys: ReadonlySet<string>): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [key, element] of Object.entries(dataset)) if (keys.has(key)) out[key] = element;
  return out;
}

/** Orders a data set's attributes by tag, as PS3.18 F.2.1.1 requires. */
export function sortDataset(dataset: DicomJsonDataset): DicomJsonDataset {
  return Object.fromEntries(Object.entries(dataset).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
