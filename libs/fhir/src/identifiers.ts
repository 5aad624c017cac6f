import { isValidUid } from '@tessera/dicom';

/** Code systems and identifier systems Tessera writes and reads. */
export const Systems = {
  /** DICOM UIDs as identifiers: the value is "urn:oid:" and the UID (FHIR R4 ImagingStudy 12.3.3.1; IHE RAD). */
  DicomUid: 'urn:dicom:uid',
  /** DICOM Controlled Terminology (PS3.16): modalities (CID 29, 33), among others. */
  Dcm: 'http://dicom.nema.org/resources/ontology/DCM',
  /** HL7 v2 Table 0203, identifier types: ACSN accession number, PLAC placer, FILL filler. */
  IdentifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  /** Values of a URI code system, for SOP Classes (FHIR R4 ImagingStudy.series.instance.sopClass). */
  Uri: 'urn:ietf:rfc:3986',
  EndpointConnectionType: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type',
  /** An Issuer of Patient ID that is neither an OID nor a URI: its local namespace ID (HL7 HD.1). */
  LocalIssuer: 'urn:tessera:issuer:',
  /** A DICOM Application Entity title: where a step is scheduled (Scheduled Station AE Title). */
  AeTitle: 'urn:tessera:ae-title',
} as const;

/** The FHIR identifier system of an Issuer of Patient ID (0010,0021); none for an empty issuer. */
export function issuerSystem(issuer: string): string | undefined {
  if (issuer === '') return undefined;
  if (isValidUid(issuer)) return `urn:oid:${issuer}`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(issuer)) return issuer;
  return `${Systems.LocalIssuer}${encodeURIComponent(issuer)}`;
}

/** The Issuer of Patient ID that an identifier system stands for (the inverse of issuerSystem). */
export function issuerOfSystem(system: string): string {
  if (system.startsWith('urn:oid:') && isValidUid(system.slice(8))) return system.slice(8);
  if (system.startsWith(Systems.LocalIssuer)) return decodeURIComponent(system.slice(Systems.LocalIssuer.length));
  return system;
}

// A FHIR id: 1-64 of A-Z a-z 0-9 - . (R4 2.24.0.1 id).
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Whether a text is a FHIR logical id. */
export function isFhirId(text: string): boolean {
  return FHIR_ID.test(text);
}

/**
 * The id of the ServiceRequest of an order: its Accession Number, with every character a FHIR id may
 * not hold (and "." itself) written ".XX" in hexadecimal UTF-8, so that "ACC-1" stays "ACC-1" and
 * "ACC_1" becomes "ACC.5F1". An SH value has at most 16 characters, 48 written so: always an id.
 */
export function serviceRequestId(accessionNumber: string): string {
  return [...Buffer.from(accessionNumber, 'utf8')].map((b) => (/[A-Za-z0-9-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `.${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** The Accession Number of a ServiceRequest id; undefined when the id is not one serviceRequestId writes. */
export function accessionOfServiceRequestId(id: string): string | undefined {
  if (!isFhirId(id) || !/^([A-Za-z0-9-]|\.[0-9A-F]{2})+$/.test(id)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < id.length; i++) {
    if (id[i] === '.') {
      bytes.push(parseInt(id.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(id.charCodeAt(i));
  }
  const text = Buffer.from(bytes).toString('utf8');
  return serviceRequestId(text) === id ? text : undefined;
}
