import type { CodedValue } from './audit-codes';

/** EventActionCode (PS3.15 A.5.1.1): Create, Read, Update, Delete, Execute. */
export type EventActionCode = 'C' | 'R' | 'U' | 'D' | 'E';

/** EventOutcomeIndicator (PS3.15 A.5.2): success, minor, serious, major failure. */
export type EventOutcomeIndicator = 0 | 4 | 8 | 12;

/** How an event ended; one message per outcome, never one message with mixed results (PS3.15 A.5.2). */
export interface AuditOutcome {
  readonly indicator: EventOutcomeIndicator;
  /** EventOutcomeDescription: what failed, for a person to read. */
  readonly description?: string;
}

/** NetworkAccessPointTypeCode (PS3.15 A.5.1.1), by name. */
export type NetworkAccessPointType = 'machine-name' | 'ip-address' | 'telephone' | 'email' | 'uri';

/** Where a participant was on the network (PS3.15 A.5.2.4). */
export interface NetworkAccessPoint {
  readonly id: string;
  readonly type: NetworkAccessPointType;
}

/** A person or process taking part in an event: one ActiveParticipant (PS3.15 A.5.2.1 to A.5.2.4). */
export interface AuditParticipant {
  /** UserID: the user's login or OIDC subject, a process's identity (e.g. its AE title or "tessera@host"). */
  readonly userId: string;
  /** AlternativeUserID, as given; without it, `aeTitles` make one. */
  readonly alternativeUserId?: string;
  /** The AE titles of a DICOM participant, written as AlternativeUserID "AETITLES=a;b" (PS3.15 A.5.2.2). */
  readonly aeTitles?: readonly string[];
  readonly userName?: string;
  /** UserIsRequestor: whether this participant asked for what happened. */
  readonly isRequestor: boolean;
  readonly networkAccessPoint?: NetworkAccessPoint;
  /** RoleIDCodes besides the one the event gives this participant (e.g. a functional role from PS3.16 CID 402 or local). */
  readonly roles?: readonly CodedValue[];
}

/** A patient, as the Patient participant object (PS3.15 A.5.3, "Patient"). */
export interface AuditPatient {
  /** Patient ID (0010,0020). */
  readonly id: string;
  /** Issuer of Patient ID (0010,0021); with it the ParticipantObjectID is HL7 CX "id^^^issuer". */
  readonly issuer?: string;
  /** Patient's Name (0010,0010) as DICOM PN text. */
  readonly name?: string;
}

/** The instances of one SOP class in a study: a SOPClass element (PS3.15 A.5.1.1). */
export interface AuditSopClass {
  readonly sopClassUID: string;
  readonly numberOfInstances: number;
  /** The SOP Instance UIDs, when the event concerns only some of the instances and they are worth naming. */
  readonly instanceUIDs?: readonly string[];
}

/** A study, as the Study participant object (PS3.15 A.5.3, "Studies"). */
export interface AuditStudy {
  readonly studyInstanceUID: string;
  readonly accessionNumbers?: readonly string[];
  readonly sopClasses?: readonly AuditSopClass[];
  readonly mppsUIDs?: readonly string[];
  /** Study Description, written as ParticipantObjectName. */
  readonly description?: string;
}

/** The media of an export or import: the Destination or Source Media participant (PS3.15 A.5.3.4, A.5.3.5). */
export interface AuditMedia {
  /** UserID of the media: its volume label, a URI, an e-mail address. */
  readonly id: string;
  /** MediaType (PS3.16 CID 405), e.g. MediaType.URI for a network destination. */
  readonly mediaType: CodedValue;
  readonly alternativeUserId?: string;
  readonly networkAccessPoint?: NetworkAccessPoint;
}

/** What a security alert is about (PS3.15 A.5.3 Security Alert, "Alert Subject"). */
export interface AlertSubject {
  /** A URI (ParticipantObjectIDTypeCode 12, RFC-3881) or a node (110182, DCM, "Node ID"). */
  readonly kind: 'uri' | 'node';
  readonly id: string;
  /** The alert description, a ParticipantObjectDetail "Alert Description". */
  readonly description?: string;
}

/** What every event has. */
interface EventBase {
  /** The tenant whose data or users the event concerns; without one the event goes to the system chain. */
  readonly tenant?: string;
  /** When it happened; the trail's clock when absent. */
  readonly occurredAt?: Date;
  /** Success when absent. */
  readonly outcome?: AuditOutcome;
  /** Further EventTypeCodes, e.g. the IHE transaction (ITI-8, RAD-69) that caused the event. */
  readonly eventTypes?: readonly CodedValue[];
}

/** Application Activity (PS3.15 A.5.3.1): Tessera (a role) started or stopped. */
export interface ApplicationActivityEvent extends EventBase {
  readonly type: 'application-activity';
  readonly activity: 'start' | 'stop';
  readonly application: AuditParticipant;
  /** Who or what started or stopped it (Application Launcher). */
  readonly launchers?: readonly AuditParticipant[];
}

/** Audit Log Used (PS3.15 A.5.3.2): someone read or searched the audit trail itself. */
export interface AuditLogUsedEvent extends EventBase {
  readonly type: 'audit-log-used';
  /** The application and/or user that used the log (1..2). */
  readonly accessors: readonly AuditParticipant[];
  /** The URI of the audit log (e.g. the search endpoint). */
  readonly auditLogUri: string;
}

/** Begin Transferring DICOM Instances (PS3.15 A.5.3.3): a transfer of instances starts. */
export interface BeginTransferringInstancesEvent extends EventBase {
  readonly type: 'begin-transferring-instances';
  readonly source: AuditParticipant;
  readonly destination: AuditParticipant;
  readonly others?: readonly AuditParticipant[];
  readonly studies: readonly AuditStudy[];
  readonly patient: AuditPatient;
}

/** DICOM Instances Accessed (PS3.15 A.5.3.6): instances created, read, updated or deleted in place. */
export interface InstancesAccessedEvent extends EventBase {
  readonly type: 'instances-accessed';
  readonly action: 'C' | 'R' | 'U' | 'D';
  /** The person and/or process manipulating the data (1..2). */
  readonly actors: readonly AuditParticipant[];
  readonly studies: readonly AuditStudy[];
  readonly patient: AuditPatient;
}

/** DICOM Instances Transferred (PS3.15 A.5.3.7): instances were sent or received. */
export interface InstancesTransferredEvent extends EventBase {
  readonly type: 'instances-transferred';
  /** C: the receiver did not have them; R: they were read to be sent; U: the receiver had them already. */
  readonly action: 'C' | 'R' | 'U';
  readonly source: AuditParticipant;
  readonly destination: AuditParticipant;
  readonly others?: readonly AuditParticipant[];
  readonly studies: readonly AuditStudy[];
  readonly patient: AuditPatient;
}

/** DICOM Study Deleted (PS3.15 A.5.3.8): a whole study was deleted. */
export interface StudyDeletedEvent extends EventBase {
  readonly type: 'study-deleted';
  readonly actors: readonly AuditParticipant[];
  readonly study: AuditStudy;
  readonly patient: AuditPatient;
  /** Why it was deleted (e.g. an erasure's reason), a ParticipantObjectDetail "Reason" of the patient. */
  readonly reason?: string;
}

/** Data Export (PS3.15 A.5.3.4): data left the archive's control (media, e-mail, a download). */
export interface ExportEvent extends EventBase {
  readonly type: 'export';
  /** The remote users and processes that asked for it. */
  readonly actors?: readonly AuditParticipant[];
  readonly media: AuditMedia;
  readonly studies?: readonly AuditStudy[];
  readonly patients: readonly AuditPatient[];
}

/** Data Import (PS3.15 A.5.3.5): data came under the archive's control from media or outside. */
export interface ImportEvent extends EventBase {
  readonly type: 'import';
  readonly actors?: readonly AuditParticipant[];
  readonly media: AuditMedia;
  readonly studies?: readonly AuditStudy[];
  readonly patients: readonly AuditPatient[];
}

/** Query (PS3.15 A.5.3 Query): a C-FIND or QIDO-RS query was received or issued. */
export interface QueryEvent extends EventBase {
  readonly type: 'query';
  /** The process issuing the query. */
  readonly source: AuditParticipant;
  /** The process responding to it. */
  readonly destination: AuditParticipant;
  readonly others?: readonly AuditParticipant[];
  /** The SOP Class queried (for QIDO-RS, the C-FIND information model it corresponds to). */
  readonly sopClassUID: string;
  /** The query itself, exactly as received: the C-FIND identifier's bytes, or a QIDO-RS URL's query text. */
  readonly query: Uint8Array | string;
  /** The transfer syntax of a C-FIND identifier. */
  readonly transferSyntaxUID?: string;
}

/** Security Alert (PS3.15 A.5.3 Security Alert): a security-relevant thing happened. */
export interface SecurityAlertEvent extends EventBase {
  readonly type: 'security-alert';
  /** The kind of alert (PS3.16 CID 403, SecurityAlertType). */
  readonly alert: CodedValue;
  readonly reporter: AuditParticipant;
  readonly performers?: readonly AuditParticipant[];
  readonly subjects?: readonly AlertSubject[];
}

/** User Authentication (PS3.15 A.5.3 User Authentication): a login (success or failure) or logout. */
export interface UserAuthenticationEvent extends EventBase {
  readonly type: 'user-authentication';
  readonly activity: 'login' | 'logout';
  /** The person authenticated (or who tried). */
  readonly user: AuditParticipant;
  /** The node or system performing the authentication. */
  readonly authenticator?: AuditParticipant;
}

/** Patient Record, Order Record, Procedure Record (PS3.15 A.5.3): a record of one patient was touched. */
interface RecordEventBase extends EventBase {
  readonly action: 'C' | 'R' | 'U' | 'D';
  readonly actors: readonly AuditParticipant[];
  readonly patient: AuditPatient;
  /** Why (e.g. an erasure's reason), a ParticipantObjectDetail "Reason" of the patient. */
  readonly reason?: string;
}

/** Patient Record (110110): a patient was created, read, updated, merged away (D) or into (U). */
export interface PatientRecordEvent extends RecordEventBase {
  readonly type: 'patient-record';
}

/** Order Record (110109): an order (ORM/OMI, ServiceRequest) was created, read, updated or cancelled. */
export interface OrderRecordEvent extends RecordEventBase {
  readonly type: 'order-record';
}

/** Procedure Record (110111): a procedure record (MPPS, worklist item) was created, read, updated or deleted. */
export interface ProcedureRecordEvent extends RecordEventBase {
  readonly type: 'procedure-record';
  readonly studies?: readonly AuditStudy[];
}

/** Every event the audit trail records. */
export type AuditEvent =
  | ApplicationActivityEvent
  | AuditLogUsedEvent
  | BeginTransferringInstancesEvent
  | InstancesAccessedEvent
  | InstancesTransferredEvent
  | StudyDeletedEvent
  | ExportEvent
  | ImportEvent
  | QueryEvent
  | SecurityAlertEvent
  | UserAuthenticationEvent
  | PatientRecordEvent
  | OrderRecordEvent
  | ProcedureRecordEvent;

/** Who reports the events: the AuditSourceIdentification of every message (PS3.15 A.5.1.1). */
export interface AuditSource {
  /** AuditSourceID: this installation, e.g. "tessera@pacs1.example.org". */
  readonly auditSourceId: string;
  /** AuditSourceTypeCode values (A.5.1.2.1); "4", an application server process, when absent. */
  readonly typeCodes?: readonly string[];
}
