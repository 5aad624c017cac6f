import { AuditEventId, AuditEventTypeCode, AuditRoleId, ParticipantObjectIdType, type CodedValue } from './audit-codes';
import { AuditError, AuditErrorCode } from './audit-error';
import type {
  AlertSubject,
  AuditEvent,
  AuditMedia,
  AuditParticipant,
  AuditPatient,
  AuditSource,
  AuditStudy,
  EventActionCode,
  EventOutcomeIndicator,
  NetworkAccessPointType,
} from './audit-event';
import { escapeXmlText, xmlElement } from './xml-escape';

/** An audit message and what the store indexes it by. */
export interface AuditMessage {
  /** The message, one line of XML as the DICOM audit message schema requires (PS3.15 A.5.1). */
  readonly xml: string;
  /** The EventID code, e.g. "110112" for a Query. */
  readonly eventType: string;
  readonly action: EventActionCode;
  readonly outcome: EventOutcomeIndicator;
  /** EventDateTime, ISO 8601 UTC. */
  readonly eventTime: string;
  readonly tenant?: string;
  /** The UserID of every active participant. */
  readonly userIds: readonly string[];
  /** The Patient IDs of the patient participant objects (without issuer). */
  readonly patientIds: readonly string[];
  readonly studyInstanceUIDs: readonly string[];
}

const NETWORK_ACCESS_POINT_TYPE: Record<NetworkAccessPointType, string> = { 'machine-name': '1', 'ip-address': '2', telephone: '3', email: '4', uri: '5' };

/** One ActiveParticipant with the role the event gives it first. */
interface Participant {
  readonly who: AuditParticipant;
  readonly role?: CodedValue;
  readonly media?: CodedValue;
}

/** One ParticipantObjectIdentification (PS3.15 A.5.1.1), already decided. */
interface ParticipantObject {
  readonly id: string;
  readonly idType: CodedValue;
  /** ParticipantObjectTypeCode / ParticipantObjectTypeCodeRole (A.5.1.2.2). */
  readonly typeCode: '1' | '2' | '3' | '4';
  readonly typeCodeRole?: string;
  readonly name?: string;
  readonly query?: Uint8Array;
  readonly details?: readonly { readonly type: string; readonly value: Uint8Array }[];
  readonly description?: readonly string[];
  /** The Patient ID of a patient object, without its issuer, for the index. */
  readonly patientId?: string;
}

/** The event's parts in the order and shape its PS3.15 A.5.3 table gives them. */
interface Shape {
  readonly id: CodedValue;
  readonly action: EventActionCode;
  readonly typeCodes: readonly CodedValue[];
  readonly participants: readonly Participant[];
  readonly objects: readonly ParticipantObject[];
}

/**
 * Builds the audit message of `event` (PS3.15 A.5.3) as `source` reports it, at `occurredAt`
 * unless the event names its own time. Throws AuditError(InvalidEvent) when the event lacks what
 * its message must have.
 */
export function buildAuditMessage(event: AuditEvent, source: AuditSource, occurredAt: Date): AuditMessage {
  const shape = shapeOf(event);
  if (shape.participants.length === 0) invalid(event, 'an audit message has at least one active participant (PS3.15 A.5.1.1)');
  for (const p of shape.participants) if (p.who.userId === '') invalid(event, 'every active participant has a UserID (PS3.15 A.5.2.1)');
  const outcome = event.outcome ?? { indicator: 0 };
  const eventTime = (event.occurredAt ?? occurredAt).toISOString();

  const identification = xmlElement(
    'EventIdentification',
    { EventActionCode: shape.action, EventDateTime: eventTime, EventOutcomeIndicator: String(outcome.indicator) },
    [
      coded('EventID', shape.id),
      ...[...shape.typeCodes, ...(event.eventTypes ?? [])].map((c) => coded('EventTypeCode', c)),
      ...(outcome.description !== undefined ? [`<EventOutcomeDescription>${escapeXmlText(outcome.description)}</EventOutcomeDescription>`] : []),
    ],
  );
  const auditSource = xmlElement(
    'AuditSourceIdentification',
    { AuditEnterpriseSiteID: event.tenant, AuditSourceID: source.auditSourceId },
    (source.typeCodes ?? ['4']).map((code) => xmlElement('AuditSourceTypeCode', { 'csd-code': code })),
  );
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    xmlElement('AuditMessage', {}, [identification, ...shape.participants.map(activeParticipant), auditSource, ...shape.objects.map(participantObject)]);

  return {
    xml,
    eventType: shape.id.code,
    action: shape.action,
    outcome: outcome.indicator,
    eventTime,
    ...(event.tenant !== undefined ? { tenant: event.tenant } : {}),
    userIds: unique(shape.participants.map((p) => p.who.userId)),
    patientIds: unique(shape.objects.flatMap((o) => (o.patientId !== undefined ? [o.patientId] : []))),
    studyInstanceUIDs: unique(shape.objects.filter((o) => o.idType === ParticipantObjectIdType.StudyInstanceUID).map((o) => o.id)),
  };
}

function shapeOf(event: AuditEvent): Shape {
  const role = (who: AuditParticipant, r?: CodedValue): Participant => (r ? { who, role: r } : { who });
  const plain = (list: readonly AuditParticipant[] | undefined): Participant[] => (list ?? []).map((who) => ({ who }));
  switch (event.type) {
    case 'application-activity':
      return {
        id: AuditEventId.ApplicationActivity,
        action: 'E',
        typeCodes: [event.activity === 'start' ? AuditEventTypeCode.ApplicationStart : AuditEventTypeCode.ApplicationStop],
        participants: [role(event.application, AuditRoleId.Application), ...(event.launchers ?? []).map((l) => role(l, AuditRoleId.ApplicationLauncher))],
        objects: [],
      };
    case 'audit-log-used':
      requireCount(event, 'accessors', event.accessors.length, 1, 2);
      return {
        id: AuditEventId.AuditLogUsed,
        action: 'R',
        typeCodes: [],
        participants: plain(event.accessors),
        // The audit log itself: a system object in the Security Resource role, named by its URI.
        objects: [{ id: event.auditLogUri, idType: ParticipantObjectIdType.URI, typeCode: '2', typeCodeRole: '13', name: 'Security Audit Log' }],
      };
    case 'begin-transferring-instances':
      requireCount(event, 'studies', event.studies.length, 1);
      return {
        id: AuditEventId.BeginTransferringDICOMInstances,
        action: 'E',
        typeCodes: [],
        participants: [role(event.source, AuditRoleId.Source), role(event.destination, AuditRoleId.Destination), ...plain(event.others)],
        objects: [...event.studies.map(studyObject), patientObject(event.patient)],
      };
    case 'instances-accessed':
      requireCount(event, 'actors', event.actors.length, 1, 2);
      requireCount(event, 'studies', event.studies.length, 1);
      return { id: AuditEventId.DICOMInstancesAccessed, action: event.action, typeCodes: [], participants: plain(event.actors), objects: [...event.studies.map(studyObject), patientObject(event.patient)] };
    case 'instances-transferred':
      requireCount(event, 'studies', event.studies.length, 1);
      return {
        id: AuditEventId.DICOMInstancesTransferred,
        action: event.action,
        typeCodes: [],
        participants: [role(event.source, AuditRoleId.Source), role(event.destination, AuditRoleId.Destination), ...plain(event.others)],
        objects: [...event.studies.map(studyObject), patientObject(event.patient)],
      };
    case 'study-deleted':
      requireCount(event, 'actors', event.actors.length, 1, 2);
      return { id: AuditEventId.DICOMStudyDeleted, action: 'D', typeCodes: [], participants: plain(event.actors), objects: [studyObject(event.study), patientObject(event.patient, event.reason)] };
    case 'export':
      requireCount(event, 'patients', event.patients.length, 1);
      return {
        id: AuditEventId.Export,
        action: 'R',
        typeCodes: [],
        participants: [...plain(event.actors), mediaParticipant(event.media, AuditRoleId.DestinationMedia)],
        objects: [...(event.studies ?? []).map(studyObject), ...event.patients.map((p) => patientObject(p))],
      };
    case 'import':
      requireCount(event, 'patients', event.patients.length, 1);
      return {
        id: AuditEventId.Import,
        action: 'C',
        typeCodes: [],
        participants: [...plain(event.actors), mediaParticipant(event.media, AuditRoleId.SourceMedia)],
        objects: [...(event.studies ?? []).map(studyObject), ...event.patients.map((p) => patientObject(p))],
      };
    case 'query':
      return {
        id: AuditEventId.Query,
        action: 'E',
        typeCodes: [],
        participants: [role(event.source, AuditRoleId.Source), role(event.destination, AuditRoleId.Destination), ...plain(event.others)],
        // The SOP Class queried, in the Report role, carrying the query itself base64-encoded.
        objects: [
          {
            id: event.sopClassUID,
            idType: ParticipantObjectIdType.SOPClassUID,
            typeCode: '2',
            typeCodeRole: '3',
            query: typeof event.query === 'string' ? Buffer.from(event.query, 'utf8') : event.query,
            ...(event.transferSyntaxUID !== undefined ? { details: [{ type: 'TransferSyntax', value: Buffer.from(event.transferSyntaxUID, 'ascii') }] } : {}),
          },
        ],
      };
    case 'security-alert':
      return {
        id: AuditEventId.SecurityAlert,
        action: 'E',
        typeCodes: [event.alert],
        participants: [{ who: event.reporter }, ...plain(event.performers)],
        objects: (event.subjects ?? []).map(alertSubject),
      };
    case 'user-authentication':
      return {
        id: AuditEventId.UserAuthentication,
        action: 'E',
        typeCodes: [event.activity === 'login' ? AuditEventTypeCode.Login : AuditEventTypeCode.Logout],
        participants: [{ who: event.user }, ...(event.authenticator ? [{ who: event.authenticator }] : [])],
        objects: [],
      };
    case 'patient-record':
    case 'order-record':
      requireCount(event, 'actors', event.actors.length, 1, 2);
      return {
        id: event.type === 'patient-record' ? AuditEventId.PatientRecord : AuditEventId.OrderRecord,
        action: event.action,
        typeCodes: [],
        participants: plain(event.actors),
        objects: [patientObject(event.patient, event.reason)],
      };
    case 'procedure-record':
      requireCount(event, 'actors', event.actors.length, 1, 2);
      return { id: AuditEventId.ProcedureRecord, action: event.action, typeCodes: [], participants: plain(event.actors), objects: [...(event.studies ?? []).map(studyObject), patientObject(event.patient)] };
  }
}

function mediaParticipant(media: AuditMedia, role: CodedValue): Participant {
  return {
    who: { userId: media.id, isRequestor: false, ...(media.alternativeUserId !== undefined ? { alternativeUserId: media.alternativeUserId } : {}), ...(media.networkAccessPoint ? { networkAccessPoint: media.networkAccessPoint } : {}) },
    role,
    media: media.mediaType,
  };
}

// The schema requires a ParticipantObjectName or a ParticipantObjectQuery in every participant
// object (PS3.15 A.5.1.1); where the name is not known it is empty rather than made up.
function studyObject(study: AuditStudy): ParticipantObject {
  const description = [
    ...(study.mppsUIDs ?? []).map((uid) => xmlElement('MPPS', { UID: uid })),
    ...(study.accessionNumbers ?? []).map((n) => xmlElement('Accession', { Number: n })),
    ...(study.sopClasses ?? []).map((c) =>
      xmlElement(
        'SOPClass',
        { UID: c.sopClassUID, NumberOfInstances: String(c.numberOfInstances) },
        (c.instanceUIDs ?? []).map((uid) => xmlElement('Instance', { UID: uid })),
      ),
    ),
  ];
  return { id: study.studyInstanceUID, idType: ParticipantObjectIdType.StudyInstanceUID, typeCode: '2', typeCodeRole: '3', name: study.description ?? '', description };
}

// A reason (why a record was deleted) is a ParticipantObjectDetail of the patient (PS3.15 A.5.1.1).
function patientObject(patient: AuditPatient, reason?: string): ParticipantObject {
  // HL7 v2 CX with the issuer as assigning authority, as IHE ATNA messages identify patients.
  const id = patient.issuer !== undefined && patient.issuer !== '' ? `${patient.id}^^^${patient.issuer}` : patient.id;
  return {
    id,
    idType: ParticipantObjectIdType.PatientNumber,
    typeCode: '1',
    typeCodeRole: '1',
    name: patient.name ?? '',
    patientId: patient.id,
    ...(reason !== undefined ? { details: [{ type: 'Reason', value: Buffer.from(reason, 'utf8') }] } : {}),
  };
}

function alertSubject(subject: AlertSubject): ParticipantObject {
  return {
    id: subject.id,
    idType: subject.kind === 'uri' ? ParticipantObjectIdType.URI : ParticipantObjectIdType.NodeID,
    typeCode: '2',
    name: subject.description ?? '',
    ...(subject.description !== undefined ? { details: [{ type: 'Alert Description', value: Buffer.from(subject.description, 'utf8') }] } : {}),
  };
}

function activeParticipant(p: Participant): string {
  const who = p.who;
  const alternative = who.alternativeUserId ?? (who.aeTitles && who.aeTitles.length > 0 ? `AETITLES=${who.aeTitles.join(';')}` : undefined);
  return xmlElement(
    'ActiveParticipant',
    {
      UserID: who.userId,
      AlternativeUserID: alternative,
      UserName: who.userName,
      UserIsRequestor: String(who.isRequestor),
      NetworkAccessPointID: who.networkAccessPoint?.id,
      NetworkAccessPointTypeCode: who.networkAccessPoint ? NETWORK_ACCESS_POINT_TYPE[who.networkAccessPoint.type] : undefined,
    },
    [...[...(p.role ? [p.role] : []), ...(who.roles ?? [])].map((r) => coded('RoleIDCode', r)), ...(p.media ? [xmlElement('MediaIdentifier', {}, [coded('MediaType', p.media)])] : [])],
  );
}

function participantObject(o: ParticipantObject): string {
  return xmlElement(
    'ParticipantObjectIdentification',
    { ParticipantObjectID: o.id, ParticipantObjectTypeCode: o.typeCode, ParticipantObjectTypeCodeRole: o.typeCodeRole },
    [
      coded('ParticipantObjectIDTypeCode', o.idType),
      o.query !== undefined
        ? `<ParticipantObjectQuery>${Buffer.from(o.query).toString('base64')}</ParticipantObjectQuery>`
        : `<ParticipantObjectName>${escapeXmlText(o.name ?? '')}</ParticipantObjectName>`,
      ...(o.details ?? []).map((d) => xmlElement('ParticipantObjectDetail', { type: d.type, value: Buffer.from(d.value).toString('base64') })),
      ...(o.description && o.description.length > 0 ? [xmlElement('ParticipantObjectDescription', {}, o.description)] : []),
    ],
  );
}

function coded(element: string, value: CodedValue): string {
  return xmlElement(element, { 'csd-code': value.code, codeSystemName: value.codeSystemName, originalText: value.originalText });
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function requireCount(event: AuditEvent, field: string, count: number, min: number, max = Infinity): void {
  if (count < min || count > max) invalid(event, `${field}: ${count} given, ${max === Infinity ? `at least ${min}` : `${min} to ${max}`} required (PS3.15 A.5.3)`);
}

function invalid(event: AuditEvent, why: string): never {
  throw new AuditError(AuditErrorCode.InvalidEvent, `${event.type}: ${why}`);
}
