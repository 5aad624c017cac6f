/**
 * What Tessera's DICOMweb service supports, as the capabilities transaction describes it (PS3.18 8.9
 * and Annex H: a WADL document by default). One list, read by the WADL and JSON writers below and by
 * the Allow header of an OPTIONS answer; a route added to a role must be added here too.
 */

const DICOM_JSON = 'application/dicom+json';
const DICOM_XML = 'multipart/related; type="application/dicom+xml"';
const DICOM = 'multipart/related; type="application/dicom"';
const OCTETS = 'multipart/related; type="application/octet-stream"';
const RENDERED = ['image/jpeg', 'image/png'];

/** One method on one resource. */
export interface MethodCapability {
  readonly name: 'GET' | 'POST' | 'DELETE';
  /** The transaction, as PS3.18 names it. */
  readonly id: string;
  readonly queryParams?: readonly string[];
  readonly requestTypes?: readonly string[];
  readonly responseTypes: readonly string[];
}

/** One resource: a path relative to the service root, with {study}-style templates. */
export interface ResourceCapability {
  readonly path: string;
  readonly methods: readonly MethodCapability[];
}

// PS3.18 8.3.4: the query parameters of a search; any attribute keyword or tag is a matching key too.
const QIDO_PARAMS = ['{attributeID}', 'includefield', 'fuzzymatching', 'limit', 'offset'];
const search = (level: string): MethodCapability => ({ name: 'GET', id: `Search${level}`, queryParams: QIDO_PARAMS, responseTypes: [DICOM_JSON, DICOM_XML] });
const metadata = (level: string): MethodCapability => ({ name: 'GET', id: `Retrieve${level}Metadata`, responseTypes: [DICOM_JSON, DICOM_XML] });
const retrieve = (level: string): MethodCapability => ({ name: 'GET', id: `Retrieve${level}`, queryParams: ['accept'], responseTypes: [DICOM, OCTETS] });
const rendered = (level: string): MethodCapability => ({ name: 'GET', id: `Retrieve${level}Rendered`, queryParams: ['accept', 'quality', 'viewport', 'window'], responseTypes: RENDERED });
const thumbnail = (level: string): MethodCapability => ({ name: 'GET', id: `Retrieve${level}Thumbnail`, queryParams: ['accept', 'viewport'], responseTypes: RENDERED });
const store: MethodCapability = { name: 'POST', id: 'StoreInstances', requestTypes: [DICOM, 'multipart/related; type="application/dicom+json"'], responseTypes: [DICOM_JSON] };
const remove = (level: string): MethodCapability => ({ name: 'DELETE', id: `Delete${level}`, responseTypes: ['application/json'] });

const STUDY = 'studies/{study}';
const SERIES = `${STUDY}/series/{series}`;
const INSTANCE = `${SERIES}/instances/{instance}`;

/** Every resource of Tessera's DICOMweb service (PS3.18 10.3), relative to /dicomweb. */
export const DICOMWEB_RESOURCES: readonly ResourceCapability[] = [
  { path: '', methods: [] },
  { path: 'studies', methods: [search('ForStudies'), store] },
  { path: 'series', methods: [search('ForSeries')] },
  { path: 'instances', methods: [search('ForInstances')] },
  { path: STUDY, methods: [retrieve('Study'), store, remove('Study')] },
  { path: `${STUDY}/metadata`, methods: [metadata('Study')] },
  { path: `${STUDY}/rendered`, methods: [rendered('Study')] },
  { path: `${STUDY}/thumbnail`, methods: [thumbnail('Study')] },
  { path: `${STUDY}/series`, methods: [search('ForSeries')] },
  { path: `${STUDY}/instances`, methods: [search('ForInstances')] },
  { path: SERIES, methods: [retrieve('Series'), remove('Series')] },
  { path: `${SERIES}/metadata`, methods: [metadata('Series')] },
  { path: `${SERIES}/rendered`, methods: [rendered('Series')] },
  { path: `${SERIES}/thumbnail`, methods: [thumbnail('Series')] },
  { path: `${SERIES}/instances`, methods: [search('ForInstances')] },
  { path: INSTANCE, methods: [retrieve('Instance'), remove('Instance')] },
  { path: `${INSTANCE}/metadata`, methods: [metadata('Instance')] },
  { path: `${INSTANCE}/rendered`, methods: [rendered('Instance')] },
  { path: `${INSTANCE}/thumbnail`, methods: [thumbnail('Instance')] },
  { path: `${INSTANCE}/frames/{frames}`, methods: [{ name: 'GET', id: 'RetrieveFrames', queryParams: ['accept'], responseTypes: [OCTETS, 'multipart/related; type="image/jpeg"', 'multipart/related; type="image/jp2"'] }] },
  { path: `${INSTANCE}/frames/{frames}/rendered`, methods: [rendered('Frames')] },
  { path: `${INSTANCE}/frames/{frames}/thumbnail`, methods: [thumbnail('Frames')] },
  // Bulk data by its BulkDataURI, with HTTP Range (RFC 9110 14) for a part of it.
  { path: `${INSTANCE}/bulkdata/{range}`, methods: [{ name: 'GET', id: 'RetrieveBulkdata', responseTypes: [OCTETS, 'application/octet-stream'] }] },
  // WADO-URI (PS3.18 9): requestType=WADO with studyUID, seriesUID, objectUID.
  { path: 'wado', methods: [{ name: 'GET', id: 'RetrieveWADOURI', queryParams: ['requestType', 'studyUID', 'seriesUID', 'objectUID', 'contentType', 'transferSyntax', 'frameNumber', 'rows', 'columns', 'windowCenter', 'windowWidth'], responseTypes: ['application/dicom', 'image/jpeg', 'image/png'] }] },
];

/** The resource a path (relative to the service root) is, if any. */
export function resourceAt(path: string): ResourceCapability | undefined {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/').filter(Boolean);
  return DICOMWEB_RESOURCES.find((r) => {
    const template = r.path.split('/').filter(Boolean);
    return template.length === segments.length && template.every((t, i) => t.startsWith('{') || t === segments[i]);
  });
}

/** The methods a resource allows (the Allow header, RFC 9110 10.2.1): its own, and OPTIONS. */
export function allowedMethods(resource: ResourceCapability): string[] {
  return [...new Set([...resource.methods.map((m) => m.name), ...(resource.methods.some((m) => m.name === 'GET') ? ['HEAD'] : []), 'OPTIONS'])];
}

/** The capabilities as a WADL document (PS3.18 Annex H; application/vnd.sun.wadl+xml). */
export function capabilitiesWadl(base: string): string {
  const resources = DICOMWEB_RESOURCES.filter((r) => r.methods.length > 0)
    .map((r) => {
      const templates = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => `<param name="${name}" style="template" type="xs:string" required="true"/>`).join('');
      const methods = r.methods
        .map((m) => {
          const params = (m.queryParams ?? []).map((p) => `<param name="${xml(p)}" style="query" type="xs:string"/>`).join('');
          const request = params || m.requestTypes ? `<request>${params}${(m.requestTypes ?? []).map((t) => `<representation mediaType="${xml(t)}"/>`).join('')}</request>` : '';
          return `<method name="${m.name}" id="${m.id}">${request}<response status="200">${m.responseTypes.map((t) => `<representation mediaType="${xml(t)}"/>`).join('')}</response></method>`;
        })
        .join('');
      return `<resource path="${xml(r.path)}">${templates}${methods}</resource>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<application xmlns="http://wadl.dev.java.net/2009/02" xmlns:xs="http://www.w3.org/2001/XMLSchema"><resources base="${xml(`${base}/`)}">${resources}</resources></application>\n`;
}

/** The same capabilities as JSON, for a client that asks for it. */
export function capabilitiesJson(base: string): { base: string; resources: readonly ResourceCapability[] } {
  return { base: `${base}/`, resources: DICOMWEB_RESOURCES.filter((r) => r.methods.length > 0) };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
