import { MediaType, SecurityAlertType } from './audit-codes';
import type { AuditEvent, AuditParticipant, AuditPatient, AuditStudy } from './audit-event';

// One event of every kind the trail records, with the optional parts filled in, shared by the unit
// tests and the schema validation against the standard's RELAX NG schema.

const tessera: AuditParticipant = { userId: 'tessera@pacs1', aeTitles: ['TESSERA'], isRequestor: false, networkAccessPoint: { id: '10.0.0.5', type: 'ip-address' } };
const modality: AuditParticipant = { userId: 'CT01', aeTitles: ['CT01'], isRequestor: true, networkAccessPoint: { id: 'ct01.radiology.example.org', type: 'machine-name' } };
const radiologist: AuditParticipant = {
  userId: 'dr.smith@example.org',
  alternativeUserId: 'smith@EXAMPLE.ORG',
  userName: 'Dr. Smith',
  isRequestor: true,
  networkAccessPoint: { id: 'https://viewer.example.org', type: 'uri' },
  roles: [{ code: '309343006', codeSystemName: 'SNOMED-CT', originalText: 'Physician' }],
};
const patient: AuditPatient = { id: 'PAT-0001', issuer: 'HOSP-A', name: 'Müller^Jürgen' };
const study: AuditStudy = {
  studyInstanceUID: '1.2.826.0.1.3680043.8.498.1',
  accessionNumbers: ['ACC-1'],
  mppsUIDs: ['1.2.826.0.1.3680043.8.498.9'],
  sopClasses: [
    { sopClassUID: '1.2.840.10008.5.1.4.1.1.2', numberOfInstances: 120 },
    { sopClassUID: '1.2.840.10008.5.1.4.1.1.7', numberOfInstances: 1, instanceUIDs: ['1.2.826.0.1.3680043.8.498.1.7'] },
  ],
  description: 'CT chest',
};
const bareStudy: AuditStudy = { studyInstanceUID: '1.2.826.0.1.3680043.8.498.2' };

/** Every event type, named. */
export const SAMPLE_EVENTS: Readonly<Record<string, AuditEvent>> = {
  'application start': { type: 'application-activity', activity: 'start', application: tessera, launchers: [{ userId: 'systemd', isRequestor: true }] },
  'application stop': { type: 'application-activity', activity: 'stop', application: tessera },
  'audit log used': { type: 'audit-log-used', tenant: 'hosp-a', accessors: [radiologist, tessera], auditLogUri: 'https://pacs.example.org/api/audit?patientId=PAT-0001' },
  'begin transferring': { type: 'begin-transferring-instances', tenant: 'hosp-a', source: tessera, destination: modality, studies: [study, bareStudy], patient },
  'instances accessed (read)': { type: 'instances-accessed', tenant: 'hosp-a', action: 'R', actors: [radiologist, tessera], studies: [study], patient },
  'instances accessed (update)': { type: 'instances-accessed', tenant: 'hosp-a', action: 'U', actors: [radiologist], studies: [bareStudy], patient: { id: 'PAT-0002' } },
  'instances transferred (stored)': { type: 'instances-transferred', tenant: 'hosp-a', action: 'C', source: modality, destination: tessera, studies: [study], patient },
  'instances transferred (failed)': {
    type: 'instances-transferred',
    tenant: 'hosp-a',
    action: 'R',
    outcome: { indicator: 8, description: 'C-MOVE destination WS1 refused the association: A-ASSOCIATE-RJ reason 3' },
    source: tessera,
    destination: { userId: 'WS1', aeTitles: ['WS1'], isRequestor: false },
    others: [radiologist],
    studies: [study],
    patient,
  },
  'study deleted': { type: 'study-deleted', tenant: 'hosp-a', actors: [radiologist], study, patient },
  'study deleted (erasure, with its reason)': { type: 'study-deleted', tenant: 'hosp-a', actors: [radiologist], study, patient, reason: 'GDPR Art. 17 request #4711' },
  export: { type: 'export', tenant: 'hosp-a', actors: [radiologist], media: { id: 'https://partner.example.org/dicomweb', mediaType: MediaType.URI }, studies: [study], patients: [patient] },
  import: { type: 'import', tenant: 'hosp-a', actors: [radiologist], media: { id: 'CD-2026-11-22', mediaType: MediaType.CD }, studies: [study], patients: [patient] },
  'query (C-FIND)': {
    type: 'query',
    tenant: 'hosp-a',
    source: modality,
    destination: tessera,
    sopClassUID: '1.2.840.10008.5.1.4.1.2.2.1',
    query: Uint8Array.from([0x08, 0x00, 0x52, 0x00, 0x06, 0x00, 0x00, 0x00, 0x53, 0x54, 0x55, 0x44, 0x59, 0x20]),
    transferSyntaxUID: '1.2.840.10008.1.2.1',
  },
  'query (QIDO-RS)': { type: 'query', tenant: 'hosp-a', source: radiologist, destination: tessera, sopClassUID: '1.2.840.10008.5.1.4.1.2.2.1', query: 'PatientID=PAT-0001&StudyDate=20260101-&includefield=<all>' },
  'security alert': {
    type: 'security-alert',
    alert: SecurityAlertType.NodeAuthentication,
    outcome: { indicator: 4 },
    reporter: tessera,
    performers: [{ userId: '192.0.2.7', isRequestor: true, networkAccessPoint: { id: '192.0.2.7', type: 'ip-address' } }],
    subjects: [{ kind: 'node', id: '192.0.2.7', description: 'TLS client certificate not trusted: self-signed "CN=stranger"' }, { kind: 'uri', id: 'dicom-tls://pacs1:2762' }],
  },
  'user login': { type: 'user-authentication', tenant: 'hosp-a', activity: 'login', user: radiologist, authenticator: { userId: 'https://idp.example.org/realms/hosp-a', isRequestor: false } },
  'user login failed': { type: 'user-authentication', tenant: 'hosp-a', activity: 'login', outcome: { indicator: 4, description: 'invalid password' }, user: { userId: 'mallory', isRequestor: true } },
  'user logout': { type: 'user-authentication', tenant: 'hosp-a', activity: 'logout', user: radiologist },
  'patient record (update)': { type: 'patient-record', tenant: 'hosp-a', action: 'U', actors: [{ userId: 'RIS|HOSP-A', isRequestor: true }, tessera], patient, eventTypes: [{ code: 'ITI-8', codeSystemName: 'IHE Transactions', originalText: 'Patient Identity Feed' }] },
  'patient record (erasure, with its reason)': { type: 'patient-record', tenant: 'hosp-a', action: 'D', actors: [radiologist], patient, reason: 'GDPR Art. 17 request #4711' },
  'order record': { type: 'order-record', tenant: 'hosp-a', action: 'C', actors: [{ userId: 'RIS|HOSP-A', isRequestor: true }], patient },
  'procedure record': { type: 'procedure-record', tenant: 'hosp-a', action: 'U', actors: [modality], studies: [study], patient },
  'hostile text': {
    type: 'patient-record',
    tenant: 'hosp-a',
    action: 'R',
    outcome: { indicator: 0, description: 'line 1\r\nline 2 </EventOutcomeDescription><x/> ]]> & more' },
    actors: [{ userId: 'a"b\'c<d>e&f\tg\nh\u0000i\uD800j', userName: '😀 emoji ok, \u0007 bell not', isRequestor: true }],
    patient: { id: 'ID with  spaces', name: 'O\'Brien^<Script>&amp;' },
  },
};
