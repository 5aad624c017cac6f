/**
 * A coded value as the audit schema encodes it (PS3.15 A.5.1.1 CodedValueType): csd-code,
 * codeSystemName and originalText, the Code Meaning.
 */
export interface CodedValue {
  readonly code: string;
  readonly codeSystemName: string;
  readonly originalText: string;
}

const dcm = (code: string, originalText: string): CodedValue => ({ code, codeSystemName: 'DCM', originalText });
const rfc3881 = (code: string, originalText: string): CodedValue => ({ code, codeSystemName: 'RFC-3881', originalText });

/** Audit Event ID, the family of an event (PS3.16 CID 400). */
export const AuditEventId = {
  ApplicationActivity: dcm('110100', 'Application Activity'),
  AuditLogUsed: dcm('110101', 'Audit Log Used'),
  BeginTransferringDICOMInstances: dcm('110102', 'Begin Transferring DICOM Instances'),
  DICOMInstancesAccessed: dcm('110103', 'DICOM Instances Accessed'),
  DICOMInstancesTransferred: dcm('110104', 'DICOM Instances Transferred'),
  DICOMStudyDeleted: dcm('110105', 'DICOM Study Deleted'),
  Export: dcm('110106', 'Export'),
  Import: dcm('110107', 'Import'),
  OrderRecord: dcm('110109', 'Order Record'),
  PatientRecord: dcm('110110', 'Patient Record'),
  ProcedureRecord: dcm('110111', 'Procedure Record'),
  Query: dcm('110112', 'Query'),
  SecurityAlert: dcm('110113', 'Security Alert'),
  UserAuthentication: dcm('110114', 'User Authentication'),
} as const satisfies Record<string, CodedValue>;

/** Audit Event Type Codes of Application Activity and User Authentication (PS3.16 CID 401). */
export const AuditEventTypeCode = {
  ApplicationStart: dcm('110120', 'Application Start'),
  ApplicationStop: dcm('110121', 'Application Stop'),
  Login: dcm('110122', 'Login'),
  Logout: dcm('110123', 'Logout'),
} as const satisfies Record<string, CodedValue>;

/** Security Alert Type Codes, the EventTypeCode of a Security Alert (PS3.16 CID 403). */
export const SecurityAlertType = {
  NodeAuthentication: dcm('110126', 'Node Authentication'),
  EmergencyOverrideStarted: dcm('110127', 'Emergency Override Started'),
  NetworkConfiguration: dcm('110128', 'Network Configuration'),
  SecurityConfiguration: dcm('110129', 'Security Configuration'),
  HardwareConfiguration: dcm('110130', 'Hardware Configuration'),
  SoftwareConfiguration: dcm('110131', 'Software Configuration'),
  UseOfRestrictedFunction: dcm('110132', 'Use of Restricted Function'),
  AuditRecordingStopped: dcm('110133', 'Audit Recording Stopped'),
  AuditRecordingStarted: dcm('110134', 'Audit Recording Started'),
  ObjectSecurityAttributesChanged: dcm('110135', 'Object Security Attributes Changed'),
  SecurityRolesChanged: dcm('110136', 'Security Roles Changed'),
  UserSecurityAttributesChanged: dcm('110137', 'User security Attributes Changed'),
  EmergencyOverrideStopped: dcm('110138', 'Emergency Override Stopped'),
  RemoteServiceOperationStarted: dcm('110139', 'Remote Service Operation Started'),
  RemoteServiceOperationStopped: dcm('110140', 'Remote Service Operation Stopped'),
  LocalServiceOperationStarted: dcm('110141', 'Local Service Operation Started'),
  LocalServiceOperationStopped: dcm('110142', 'Local Service Operation Stopped'),
} as const satisfies Record<string, CodedValue>;

/** Audit Active Participant Role ID Codes (PS3.16 CID 402). */
export const AuditRoleId = {
  Application: dcm('110150', 'Application'),
  ApplicationLauncher: dcm('110151', 'Application Launcher'),
  Destination: dcm('110152', 'Destination Role ID'),
  Source: dcm('110153', 'Source Role ID'),
  DestinationMedia: dcm('110154', 'Destination Media'),
  SourceMedia: dcm('110155', 'Source Media'),
} as const satisfies Record<string, CodedValue>;

/** Media Type Codes of an export's or import's media (PS3.16 CID 405). */
export const MediaType = {
  USBDiskEmulation: dcm('110030', 'USB Disk Emulation'),
  Email: dcm('110031', 'Email'),
  CD: dcm('110032', 'CD'),
  DVD: dcm('110033', 'DVD'),
  CompactFlash: dcm('110034', 'Compact Flash'),
  MultiMediaCard: dcm('110035', 'Multi-media Card'),
  SecureDigitalCard: dcm('110036', 'Secure Digital Card'),
  URI: dcm('110037', 'URI'),
  Film: dcm('110010', 'Film'),
  PaperDocument: dcm('110038', 'Paper Document'),
} as const satisfies Record<string, CodedValue>;

/** Participant Object ID Type Codes (PS3.15 A.5.1.2.4; the RFC 3881 codes and the DICOM additions of PS3.16 CID 404). */
export const ParticipantObjectIdType = {
  PatientNumber: rfc3881('2', 'Patient Number'),
  URI: rfc3881('12', 'URI'),
  StudyInstanceUID: dcm('110180', 'Study Instance UID'),
  SOPClassUID: dcm('110181', 'SOP Class UID'),
  NodeID: dcm('110182', 'Node ID'),
} as const satisfies Record<string, CodedValue>;
