import { isValidUid, personNameValue, stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import { fhirDateTime, localDateTime, type LocalZone } from './dates';
import { FhirErrorCode, refuse } from './fhir-error';
import { issuerOfSystem, issuerSystem, isFhirId, serviceRequestId, Systems } from './identifiers';
import { displayName } from './patient.resource';
import type { CodeableConcept, Coding, Identifier, Reference, ServiceRequest } from './resources';

/** What a ServiceRequest asks of the order it stands for. */
export type ServiceRequestIntent = 'place-or-change' | 'cancel' | 'complete';

/** The patient of an order: a Patient of this server, or a patient named by its identifier. */
export type OrderSubject =
  | { readonly kind: 'patient'; readonly id: string }
  /** `name`: the reference's display as a DICOM person name, for a patient the archive does not know yet. */
  | { readonly kind: 'identifier'; readonly patientID: string; readonly issuerOfPatientID: string; readonly name?: string };

/**
 * An imaging order as a ServiceRequest gives it, in the terms of an order message (IHE RAD TF-2
 * Appendix B): what the Modality Worklist item needs, and what to do with it.
 */
export interface ServiceRequestOrder {
  readonly id?: string;
  readonly intent: ServiceRequestIntent;
  readonly accessionNumber: string;
  readonly placerOrderNumber: string;
  readonly fillerOrderNumber: string;
  /** "" when the request does not say: the archive gives the study one. */
  readonly studyInstanceUID: string;
  readonly subject: OrderSubject;
  /** The requested procedure: code, text and DICOM Coding Scheme Designator ("" when the system has none). */
  readonly procedure: { readonly code: string; readonly text: string; readonly codingSystem: string };
  readonly modality: string;
  readonly scheduledStationAETitle: string;
  /** Local DA and TM of the scheduled start. */
  readonly start: { readonly date: string; readonly time: string };
  /** Requesting Physician as a DICOM person name, "" when none. */
  readonly requestingPhysician: string;
}

// Code systems and their DICOM Coding Scheme Designators (PS3.16 Table 8-1).
const DESIGNATORS: Readonly<Record<string, string>> = {
  'http://loinc.org': 'LN',
  'http://snomed.info/sct': 'SCT',
  'http://www.radlex.org': 'RADLEX',
  [Systems.Dcm]: 'DCM',
};
const SYSTEMS_BY_DESIGNATOR: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(DESIGNATORS).map(([system, designator]) => [designator, system]));

// ServiceRequest.status (R4 request-status) to what the order does; the others are refused.
const INTENTS: Readonly<Record<string, ServiceRequestIntent>> = { active: 'place-or-change', revoked: 'cancel', 'entered-in-error': 'cancel', completed: 'complete' };
// ServiceRequest.intent values that are orders (R4 request-intent).
const ORDER_INTENTS = ['order', 'original-order', 'reflex-order', 'filler-order', 'instance-order'];
// PS3.5 Table 6.2-1: SH and LO, AE.
const SH = /^[^\\]{1,16}$/;
const LO = /^[^\\]{1,64}$/;
const AE_TITLE = /^(?=.*[^ ])[\x20-\x5b\x5d-\x7e]{1,16}$/;
const CS = /^[A-Z0-9 _]{1,16}$/;

function invalid(message: string, expression?: string): never {
  return refuse(FhirErrorCode.InvalidResource, message, expression);
}
function isObject<T>(v: T): v is T & Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const list = <T>(v: unknown, expression: string): T[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) invalid(`${expression} must be an array`, expression);
  return v as T[];
};
const string = (v: unknown, expression: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') invalid(`${expression} must be a string`, expression);
  return v;
};
const hasType = (identifier: Identifier, code: string): boolean => (identifier.type?.coding ?? []).some((c) => c.system === Systems.IdentifierType && c.code === code);

/**
 * Reads a ServiceRequest (FHIR R4, JSON) as an imaging order. Required besides
 * R4's own status, intent and subject: an Accession Number (identifier of type ACSN), the requested
 * procedure (code), a modality (a coding of DCM in code, category or orderDetail), the scheduled
 * station (performer with an identifier of system urn:tessera:ae-title) and the scheduled start
 * (occurrenceDateTime or occurrencePeriod.start). Throws FhirError (invalid-resource) naming the element.
 */
export function readServiceRequest(body: unknown, zone: LocalZone): ServiceRequestOrder {
  if (!isObject(body)) return invalid('the body is not a FHIR resource (a JSON object)');
  if (body.resourceType !== 'ServiceRequest') return invalid(`the resource is a ${String(body.resourceType ?? '(no resourceType)')}, not a ServiceRequest`, 'resourceType');
  const id = string(body.id, 'ServiceRequest.id');
  if (id !== undefined && !isFhirId(id)) invalid(`ServiceRequest.id "${id}" is not a FHIR id`, 'ServiceRequest.id');
  const status = string(body.status, 'ServiceRequest.status');
  if (status === undefined) return invalid('ServiceRequest.status is required', 'ServiceRequest.status');
  const intent = INTENTS[status];
  if (intent === undefined) return invalid(`ServiceRequest.status "${status}" is not one this server acts on (${Object.keys(INTENTS).join(', ')})`, 'ServiceRequest.status');
  const requestIntent = string(body.intent, 'ServiceRequest.intent');
  if (requestIntent === undefined || !ORDER_INTENTS.includes(requestIntent)) invalid(`ServiceRequest.intent must be an order (${ORDER_INTENTS.join(', ')}), not ${requestIntent ?? 'absent'}`, 'ServiceRequest.intent');

  const identifiers = list<Identifier>(body.identifier, 'ServiceRequest.identifier');
  const typed = (code: string): string => {
    const found = identifiers.filter((i) => isObject(i) && hasType(i, code));
    if (found.length > 1) invalid(`ServiceRequest.identifier has ${found.length} identifiers of type ${code}; an order has one`, 'ServiceRequest.identifier');
    return string(found[0]?.value, 'ServiceRequest.identifier.value')?.trim() ?? '';
  };
  const accessionNumber = typed('ACSN');
  if (accessionNumber === '') invalid(`ServiceRequest.identifier needs the Accession Number: an identifier with type ${Systems.IdentifierType}|ACSN`, 'ServiceRequest.identifier');
  if (!SH.test(accessionNumber)) invalid(`the Accession Number "${accessionNumber}" is longer than 16 characters or holds "\\" (PS3.5 6.2 SH)`, 'ServiceRequest.identifier');
  const placerOrderNumber = typed('PLAC');
  const fillerOrderNumber = typed('FILL');
  for (const [n, v] of [['placer', placerOrderNumber], ['filler', fillerOrderNumber]] as const) if (v !== '' && !LO.test(v)) invalid(`the ${n} order number "${v}" is longer than 64 characters or holds "\\" (PS3.5 6.2 LO)`, 'ServiceRequest.identifier');
  const uids = identifiers.filter((i) => isObject(i) && i.system === Systems.DicomUid).map((i) => String(i.value ?? ''));
  if (uids.length > 1) invalid(`ServiceRequest.identifier has ${uids.length} identifiers of system ${Systems.DicomUid}; a study has one Study Instance UID`, 'ServiceRequest.identifier');
  const studyInstanceUID = uids[0]?.startsWith('urn:oid:') ? uids[0].slice(8) : (uids[0] ?? '');
  if (uids[0] !== undefined && !isValidUid(studyInstanceUID)) invalid(`the identifier "${uids[0]}" of system ${Systems.DicomUid} is not urn:oid: and a UID (PS3.5 9.1)`, 'ServiceRequest.identifier');

  const subject = readSubject(body.subject);
  const code = body.code as CodeableConcept | undefined;
  if (!isObject(code)) return invalid('ServiceRequest.code, the requested procedure, is required', 'ServiceRequest.code');
  const codings = [...list<Coding>(code.coding, 'ServiceRequest.code.coding')];
  const procedureCoding = codings.find((c) => c.system !== Systems.Dcm) ?? codings[0];
  const procedureText = (string(code.text, 'ServiceRequest.code.text') ?? procedureCoding?.display ?? procedureCoding?.code ?? '').trim();
  if (procedureText === '') invalid('ServiceRequest.code needs a text or a coding with a code', 'ServiceRequest.code');
  if (procedureText.length > 64) invalid('the requested procedure\'s text is longer than the 64 characters of Requested Procedure Description (PS3.5 6.2 LO)', 'ServiceRequest.code');
  const designator = procedureCoding?.system !== undefined ? (DESIGNATORS[procedureCoding.system] ?? '') : '';
  const procedure = { code: designator !== '' ? (procedureCoding?.code ?? '') : '', text: procedureText, codingSystem: designator };

  const modalityConcepts = [code, ...list<CodeableConcept>(body.category, 'ServiceRequest.category'), ...list<CodeableConcept>(body.orderDetail, 'ServiceRequest.orderDetail')];
  const modalities = [...new Set(modalityConcepts.flatMap((c) => (isObject(c) ? list<Coding>(c.coding, 'coding') : [])).filter((c) => isObject(c) && c.system === Systems.Dcm && typeof c.code === 'string').map((c) => c.code as string))];
  if (modalities.length !== 1) invalid(`the order needs exactly one modality, a coding of ${Systems.Dcm} (CT, MR…) in ServiceRequest.code, category or orderDetail; it has ${modalities.length === 0 ? 'none' : modalities.join(', ')}`, 'ServiceRequest.orderDetail');
  const modality = modalities[0] as string;
  if (!CS.test(modality)) invalid(`the modality "${modality}" is not a DICOM code string (PS3.5 6.2 CS)`, 'ServiceRequest.orderDetail');

  const stations = list<Reference>(body.performer, 'ServiceRequest.performer').filter((p) => isObject(p) && p.identifier?.system === Systems.AeTitle).map((p) => String(p.identifier?.value ?? ''));
  if (stations.length !== 1) invalid(`the order needs exactly one scheduled station: a performer with an identifier of system ${Systems.AeTitle} and its AE title as the value`, 'ServiceRequest.performer');
  const scheduledStationAETitle = stations[0] as string;
  if (!AE_TITLE.test(scheduledStationAETitle)) invalid(`the scheduled station "${scheduledStationAETitle}" is not an AE title (PS3.5 6.2 AE)`, 'ServiceRequest.performer');

  const period = body.occurrencePeriod as { start?: unknown } | undefined;
  const when = string(body.occurrenceDateTime, 'ServiceRequest.occurrenceDateTime') ?? (isObject(period) ? string(period.start, 'ServiceRequest.occurrencePeriod.start') : undefined);
  if (when === undefined) return invalid('the order needs its scheduled start: ServiceRequest.occurrenceDateTime or occurrencePeriod.start', 'ServiceRequest.occurrence');
  const start = localDateTime(when, zone, body.occurrenceDateTime !== undefined ? 'ServiceRequest.occurrenceDateTime' : 'ServiceRequest.occurrencePeriod.start');

  const requester = body.requester as Reference | undefined;
  const requestingPhysician = isObject(requester) ? dicomName(string(requester.display, 'ServiceRequest.requester.display') ?? '') : '';
  return {
    ...(id !== undefined ? { id } : {}),
    intent,
    accessionNumber,
    placerOrderNumber,
    fillerOrderNumber,
    studyInstanceUID,
    subject,
    procedure,
    modality,
    scheduledStationAETitle,
    start,
    requestingPhysician,
  };
}

function readSubject(subject: unknown): OrderSubject {
  if (!isObject(subject)) return invalid('ServiceRequest.subject, the patient, is required', 'ServiceRequest.subject');
  const reference = string(subject.reference, 'ServiceRequest.subject.reference');
  if (reference !== undefined) {
    const m = /^(?:.*\/)?Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference);
    if (!m) invalid(`ServiceRequest.subject.reference "${reference}" is not a reference to a Patient of this server (Patient/{id})`, 'ServiceRequest.subject');
    return { kind: 'patient', id: (m as RegExpExecArray)[1] as string };
  }
  const identifier = subject.identifier as Identifier | undefined;
  const value = isObject(identifier) ? string(identifier.value, 'ServiceRequest.subject.identifier.value')?.trim() : undefined;
  if (!value) return invalid('ServiceRequest.subject needs a reference to a Patient or an identifier with a value (the Patient ID)', 'ServiceRequest.subject');
  if (!LO.test(value)) invalid(`the Patient ID "${value}" is longer than 64 characters or holds "\\" (PS3.5 6.2 LO)`, 'ServiceRequest.subject.identifier');
  const system = string((identifier as Identifier).system, 'ServiceRequest.subject.identifier.system');
  const name = dicomName(string(subject.display, 'ServiceRequest.subject.display') ?? '');
  return { kind: 'identifier', patientID: value, issuerOfPatientID: system === undefined ? '' : issuerOfSystem(system), ...(name !== '' ? { name } : {}) };
}

// "Given Family" or "Family, Given" as a DICOM person name family^given; a name with a "^" is one already.
function dicomName(display: string): string {
  const text = display.trim().replace(/[\\=]/g, ' ');
  if (text === '' || text.includes('^')) return text.slice(0, 64);
  const comma = text.indexOf(',');
  if (comma >= 0) return `${text.slice(0, comma).trim()}^${text.slice(comma + 1).trim()}`.slice(0, 64);
  const words = text.split(/\s+/);
  return (words.length === 1 ? (words[0] as string) : `${words[words.length - 1]}^${words.slice(0, -1).join(' ')}`).slice(0, 64);
}

/** An order as the archive keeps it, with its worklist item, for its ServiceRequest. */
export interface StoredOrder {
  readonly accessionNumber: string;
  readonly placerOrderNumber?: string;
  readonly fillerOrderNumber?: string;
  readonly studyInstanceUID: string;
  /** Scheduled Procedure Step Status of its step. */
  readonly status: string;
  readonly patientID: string;
  readonly issuerOfPatientID: string;
  /** The Modality Worklist item (PS3.4 K.6.1.2.2), when the worklist still has it. */
  readonly item?: DicomJsonDataset;
}

// Scheduled Procedure Step Status (PS3.3 C.4.10) to ServiceRequest.status.
const STATUSES: Readonly<Record<string, string>> = { SCHEDULED: 'active', ARRIVED: 'active', READY: 'active', STARTED: 'active', DEPARTED: 'active', COMPLETED: 'completed', CANCELED: 'revoked', DISCONTINUED: 'revoked' };

/** The ServiceRequest of an order: its identifiers, status, procedure, modality, patient, start, station and requester. */
export function serviceRequestResource(order: StoredOrder, patientId: string | undefined, zone: LocalZone): ServiceRequest {
  const item = order.item ?? {};
  const step = (item['00400100']?.Value?.[0] as DicomJsonDataset | undefined) ?? {};
  const value = (ds: DicomJsonDataset, key: string): string | undefined => stringValue(ds, key)?.trim() || undefined;
  const codeItem = item['00321064']?.Value?.[0] as DicomJsonDataset | undefined;
  const description = value(item, '00321060');
  const coding: Coding[] = codeItem
    ? [{ ...(SYSTEMS_BY_DESIGNATOR[value(codeItem, '00080102') ?? ''] ? { system: SYSTEMS_BY_DESIGNATOR[value(codeItem, '00080102') ?? ''] } : {}), ...(value(codeItem, '00080100') ? { code: value(codeItem, '00080100') } : {}), ...(value(codeItem, '00080104') ? { display: value(codeItem, '00080104') } : {}) }]
    : [];
  const modality = value(step, tagKey(Tags.Modality));
  const station = value(step, '00400001');
  const started = fhirDateTime(value(step, '00400002'), value(step, '00400003'), undefined, zone);
  const requester = displayName(personNameValue(item, '00321032')?.Alphabetic);
  const system = issuerSystem(order.issuerOfPatientID);
  const patientName = displayName(personNameValue(item, tagKey(Tags.PatientName))?.Alphabetic);
  const typed = (code: string, v: string | undefined): Identifier[] => (v ? [{ type: { coding: [{ system: Systems.IdentifierType, code }] }, value: v }] : []);
  return {
    resourceType: 'ServiceRequest',
    id: serviceRequestId(order.accessionNumber),
    identifier: [...typed('ACSN', order.accessionNumber), ...typed('PLAC', order.placerOrderNumber), ...typed('FILL', order.fillerOrderNumber), { system: Systems.DicomUid, value: `urn:oid:${order.studyInstanceUID}` }],
    status: STATUSES[order.status] ?? 'unknown',
    intent: 'order',
    ...(coding.length > 0 || description ? { code: { ...(coding.length > 0 ? { coding } : {}), ...(description ? { text: description } : {}) } } : {}),
    ...(modality ? { orderDetail: [{ coding: [{ system: Systems.Dcm, code: modality }] }] } : {}),
    subject: {
      ...(patientId !== undefined ? { reference: `Patient/${patientId}` } : { identifier: { ...(system ? { system } : {}), value: order.patientID } }),
      ...(patientName ? { display: patientName } : {}),
    },
    ...(started ? { occurrenceDateTime: started } : {}),
    ...(requester ? { requester: { display: requester } } : {}),
    ...(station ? { performer: [{ identifier: { system: Systems.AeTitle, value: station }, display: station }] } : {}),
  };
}
