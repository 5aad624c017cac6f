import { ProcedureStepCompletedV1, ProcedureStepDiscontinuedV1, ProcedureStepInProgressV1, type ProcedureStepInProgressV1 as InProgressData } from '@tessera/contracts';
import { lookupKeyword, stringValue, tagKey, type DicomJsonDataset, type DicomJsonElement } from '@tessera/dicom';
import type { PerformedProcedureStep } from '@tessera/mpps';
import { outboxEntry, type EventOrigin, type OutboxEntry } from '@tessera/outbox';

const key = (keyword: string): string => {
  const entry = lookupKeyword(keyword);
  if (!entry) throw new Error(`${keyword} is not a PS3.6 keyword`);
  return tagKey(entry.tag);
};

const K = {
  scheduledSteps: key('ScheduledStepAttributesSequence'),
  studyInstanceUID: key('StudyInstanceUID'),
  accessionNumber: key('AccessionNumber'),
  requestedProcedureID: key('RequestedProcedureID'),
  requestedProcedureDescription: key('RequestedProcedureDescription'),
  scheduledProcedureStepID: key('ScheduledProcedureStepID'),
  scheduledProcedureStepDescription: key('ScheduledProcedureStepDescription'),
  patientID: key('PatientID'),
  issuerOfPatientID: key('IssuerOfPatientID'),
  patientName: key('PatientName'),
  ppsID: key('PerformedProcedureStepID'),
  stationAE: key('PerformedStationAETitle'),
  stationName: key('PerformedStationName'),
  location: key('PerformedLocation'),
  description: key('PerformedProcedureStepDescription'),
  startDate: key('PerformedProcedureStepStartDate'),
  startTime: key('PerformedProcedureStepStartTime'),
  endDate: key('PerformedProcedureStepEndDate'),
  endTime: key('PerformedProcedureStepEndTime'),
  modality: key('Modality'),
  performedSeries: key('PerformedSeriesSequence'),
  seriesInstanceUID: key('SeriesInstanceUID'),
  protocolName: key('ProtocolName'),
  seriesDescription: key('SeriesDescription'),
  images: key('ReferencedImageSequence'),
  nonImages: key('ReferencedNonImageCompositeSOPInstanceSequence'),
  sopClassUID: key('ReferencedSOPClassUID'),
  sopInstanceUID: key('ReferencedSOPInstanceUID'),
  discontinuationReasons: key('PerformedProcedureStepDiscontinuationReasonCodeSequence'),
  codeValue: key('CodeValue'),
  longCodeValue: key('LongCodeValue'),
  urnCodeValue: key('URNCodeValue'),
  codingSchemeDesignator: key('CodingSchemeDesignator'),
  codeMeaning: key('CodeMeaning'),
} as const;

/** Who reported the change: the association it came on. */
export interface ReceivedVia {
  readonly callingAETitle: string;
  readonly calledAETitle: string;
  readonly remoteAddress: string;
}

function items(element: DicomJsonElement | undefined): DicomJsonDataset[] {
  return (element?.Value ?? []).filter((v): v is DicomJsonDataset => typeof v === 'object' && v !== null);
}

// Optional text fields are left out when the attribute is absent or empty (Type 2 allows both).
function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value !== undefined && value !== '' ? ({ [name]: value } as Record<K, string>) : {};
}

/** A DA and a TM value as an ISO 8601 local date-time, the time's missing parts as zeros. */
export function localDateTime(date: string, time: string): string {
  const [, hh = '00', mm = '00', ss = '00', fraction = ''] = /^(\d{2})(\d{2})?(\d{2})?(\.\d{1,6})?$/.exec(time) ?? [];
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${hh}:${mm}:${ss}${fraction}`;
}

function dateTime(ds: DicomJsonDataset, dateKey: string, timeKey: string): string | undefined {
  const date = stringValue(ds, dateKey);
  const time = stringValue(ds, timeKey);
  return date && time ? localDateTime(date, time) : undefined;
}

function codes(ds: DicomJsonDataset, sequenceKey: string): { codeValue?: string; codingSchemeDesignator?: string; codeMeaning: string }[] {
  return items(ds[sequenceKey]).map((item) => ({
    ...optional('codeValue', stringValue(item, K.codeValue) ?? stringValue(item, K.longCodeValue) ?? stringValue(item, K.urnCodeValue)),
    ...optional('codingSchemeDesignator', stringValue(item, K.codingSchemeDesignator)),
    codeMeaning: stringValue(item, K.codeMeaning) ?? '',
  }));
}

/** The event data of a step: what a worklist or an analytics consumer needs, from its attributes. */
export function procedureStepData(step: PerformedProcedureStep, receivedVia: ReceivedVia): Omit<InProgressData, 'status'> {
  const ds = step.attributes;
  const endDateTime = dateTime(ds, K.endDate, K.endTime);
  const reasons = codes(ds, K.discontinuationReasons);
  return {
    sopInstanceUID: step.sopInstanceUID,
    revision: step.revision,
    studyInstanceUID: step.studyInstanceUID,
    performedProcedureStepID: stringValue(ds, K.ppsID) ?? '',
    modality: stringValue(ds, K.modality) ?? '',
    performedStationAETitle: stringValue(ds, K.stationAE) ?? '',
    ...optional('performedStationName', stringValue(ds, K.stationName)),
    ...optional('performedLocation', stringValue(ds, K.location)),
    ...optional('description', stringValue(ds, K.description)),
    startDateTime: dateTime(ds, K.startDate, K.startTime) ?? '',
    ...(endDateTime ? { endDateTime } : {}),
    patient: {
      ...optional('patientID', stringValue(ds, K.patientID)),
      ...optional('issuerOfPatientID', stringValue(ds, K.issuerOfPatientID)),
      ...optional('patientName', stringValue(ds, K.patientName)),
    },
    scheduledSteps: items(ds[K.scheduledSteps]).map((item) => ({
      studyInstanceUID: stringValue(item, K.studyInstanceUID) ?? '',
      ...optional('accessionNumber', stringValue(item, K.accessionNumber)),
      ...optional('requestedProcedureID', stringValue(item, K.requestedProcedureID)),
      ...optional('requestedProcedureDescription', stringValue(item, K.requestedProcedureDescription)),
      ...optional('scheduledProcedureStepID', stringValue(item, K.scheduledProcedureStepID)),
      ...optional('scheduledProcedureStepDescription', stringValue(item, K.scheduledProcedureStepDescription)),
    })),
    performedSeries: items(ds[K.performedSeries]).map((series) => ({
      seriesInstanceUID: stringValue(series, K.seriesInstanceUID) ?? '',
      protocolName: stringValue(series, K.protocolName) ?? '',
      ...optional('seriesDescription', stringValue(series, K.seriesDescription)),
      // PS3.4 F.7.2.2.2 Note 2: images and other instances are listed apart for historic reasons only.
      instances: [...items(series[K.images]), ...items(series[K.nonImages])].map((ref) => ({
        sopClassUID: stringValue(ref, K.sopClassUID) ?? '',
        sopInstanceUID: stringValue(ref, K.sopInstanceUID) ?? '',
      })),
    })),
    ...(reasons.length > 0 ? { discontinuationReasons: reasons } : {}),
    receivedVia: { ...receivedVia },
  };
}

/** The outbox entry announcing a step as it now is: the event type names its status. */
export function procedureStepEvent(step: PerformedProcedureStep, receivedVia: ReceivedVia, origin: EventOrigin, now: Date): OutboxEntry {
  const data = procedureStepData(step, receivedVia);
  switch (step.status) {
    case 'IN PROGRESS':
      return outboxEntry(ProcedureStepInProgressV1, origin, { ...data, status: step.status }, now);
    case 'COMPLETED':
      return outboxEntry(ProcedureStepCompletedV1, origin, { ...data, status: step.status, endDateTime: data.endDateTime ?? '' }, now);
    case 'DISCONTINUED':
      return outboxEntry(ProcedureStepDiscontinuedV1, origin, { ...data, status: step.status, endDateTime: data.endDateTime ?? '' }, now);
  }
}
