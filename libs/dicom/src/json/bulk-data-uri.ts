import type { DicomJsonDataset, DicomJsonElement } from './dicom-json';

/**
 * Makes the relative BulkDataURIs of stored metadata ("bulkdata/{offset}-{length}", relative to the
 * instance) absolute against the instance's WADO-RS URL (PS3.18 F.2.6), in nested sequences too.
 */
export function resolveBulkDataUris(dataset: DicomJsonDataset, instanceUrl: string): DicomJsonDataset {
  const base = instanceUrl.endsWith('/') ? instanceUrl : `${instanceUrl}/`;
  const out: DicomJsonDataset = {};
  for (const [key, element] of Object.entries(dataset)) out[key] = resolve(element, base);
  return out;
}

function resolve(element: DicomJsonElement, base: string): DicomJsonElement {
  if (element.BulkDataURI !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(element.BulkDataURI)) return { ...element, BulkDataURI: `${base}${element.BulkDataURI}` };
  if (element.vr === 'SQ' && element.Value) return { ...element, Value: element.Value.map((item) => resolveBulkDataUris(item as DicomJsonDataset, base)) };
  return element;
}
