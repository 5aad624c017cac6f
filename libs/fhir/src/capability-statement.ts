import type { SearchParameterDefinition } from './search';
import { IMAGING_STUDY_SEARCH, PATIENT_SEARCH } from './search';

const searchParams = (definitions: readonly SearchParameterDefinition[]) => definitions.map(({ name, type, definition, documentation }) => ({ name, definition, type, documentation }));

/**
 * What Tessera's FHIR API supports, exactly (FHIR R4 CapabilityStatement, kind "capability"): the
 * same for every tenant and every deployment, so that docs/fhir-capability-statement.json is it.
 */
export function capabilityStatement() {
  return {
    resourceType: 'CapabilityStatement',
    id: 'tessera',
    name: 'TesseraFhirServer',
    title: 'Tessera FHIR R4 API',
    status: 'active',
    date: '2026-11-23',
    publisher: 'Tessera',
    description:
      'Imaging studies and patients from the archive\'s index, and imaging orders (ServiceRequest) that have the effect of HL7 v2 order messages: a scheduled procedure step on the modality worklist and order events. Every tenant has this API at /tenants/{tenant}/fhir; the default tenant also at /fhir.',
    kind: 'capability',
    software: { name: 'Tessera' },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Searches are strict: a parameter or modifier not listed here is refused (400) rather than ignored. Paging with _count (at most 100, default 20) and _offset.',
        security: {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
          description:
            'Every interaction except this CapabilityStatement needs an OpenID Connect bearer token (RFC 6750) of a caller who belongs to the tenant: ImagingStudy, Patient and Endpoint need a role that may search studies (studies:read); reading a ServiceRequest one that may read the worklist (worklist:read); creating and updating one that may change the worklist (worklist:write); Subscription one that may manage subscriptions (subscriptions:manage).',
        },
        resource: [
          {
            type: 'ImagingStudy',
            profile: 'http://hl7.org/fhir/StructureDefinition/ImagingStudy',
            documentation: 'Built from the index: one per study, with its series and their instances; the Endpoint Endpoint/dicomweb retrieves them over WADO-RS. The id is the Study Instance UID.',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: false,
            searchParam: searchParams(IMAGING_STUDY_SEARCH),
          },
          {
            type: 'Patient',
            profile: 'http://hl7.org/fhir/StructureDefinition/Patient',
            documentation: 'The patients of the index. A patient merged into another (HL7 ADT^A40) stays readable, inactive, with a link of type replaced-by to the survivor.',
            interaction: [{ code: 'read' }, { code: 'search-type' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: false,
            searchParam: searchParams(PATIENT_SEARCH),
          },
          {
            type: 'ServiceRequest',
            profile: 'http://hl7.org/fhir/StructureDefinition/ServiceRequest',
            documentation:
              'An imaging order, with the effect of an HL7 v2 order message: create (status active) places it, update changes it (active), cancels it (revoked, entered-in-error) or completes it (completed). The id is the Accession Number (characters a FHIR id cannot hold written .XX in hexadecimal). See docs/fhir.md for the elements read.',
            interaction: [{ code: 'read' }, { code: 'create' }, { code: 'update' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: true,
          },
          {
            type: 'Subscription',
            profile: 'http://hl7.org/fhir/StructureDefinition/Subscription',
            documentation:
              'rest-hook Subscriptions to ImagingStudy (criteria ImagingStudy, optionally ?patient= or ?identifier=): when a study becomes available (the archive holds it stable), the server POSTs to channel.endpoint the ImagingStudy (channel.payload application/fhir+json) or an empty body (no payload), with channel.header. Created with status requested, it is active at once; a notification that fails every retry sets it to error (with error), and the next delivered one back to active.',
            interaction: [{ code: 'read' }, { code: 'create' }, { code: 'delete' }, { code: 'search-type' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: false,
          },
          {
            type: 'Endpoint',
            profile: 'http://hl7.org/fhir/StructureDefinition/Endpoint',
            documentation: 'Endpoint/dicomweb: the tenant\'s DICOMweb base URL (connection type dicom-wado-rs), which ImagingStudy.endpoint references.',
            interaction: [{ code: 'read' }],
            versioning: 'no-version',
            readHistory: false,
            updateCreate: false,
          },
        ],
      },
    ],
  };
}
