import { OrderCancelledV1, OrderChangedV1, OrderPlacedV1 } from '@tessera/contracts';
import { stringValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import { applyPatientUpdate, problem, readOrderMessage, type Hl7OrderMessage, type Hl7OrderRequest } from '@tessera/hl7';
import type { Hl7Transaction, ImagingOrder } from '@tessera/hl7-store';
import { outboxEntry, type OutboxEntry } from '@tessera/outbox';
import { FINAL_STEP_STATUSES, scheduledStepOf, WorklistTags, type ScheduledStepStatus, type WorklistItem } from '@tessera/worklist';
import type { ApplyContext, MessageHandler } from './message-handler';
import { orderWorklistItem } from './order-worklist-item';

// ORC-5 order status (HL7 Table 0038) to Scheduled Procedure Step Status, for ORC-1 SC.
const ORDER_STATUSES: Readonly<Record<string, ScheduledStepStatus>> = { SC: 'SCHEDULED', IP: 'STARTED', CM: 'COMPLETED', CA: 'CANCELED', DC: 'DISCONTINUED' };

/**
 * ORM^O01 and OMI^O23 (HL7 v2.5.1 4.4.1, 4.4.9): per order, ORC-1 NW places it, with its scheduled
 * procedure step on the modality worklist; XO changes it; CA cancels and DC discontinues it (the step
 * leaves the worklist's default answer, which holds steps still to be done); SC sets the status ORC-5
 * gives. The patient comes from the PID, with the demographics the index has for it when it has it.
 */
export const OrderHandler: MessageHandler<Hl7OrderMessage> = {
  read: readOrderMessage,
  apply: async (tx, message, context) => {
    const events: OutboxEntry[] = [];
    const orders: Record<string, unknown>[] = [];
    const known = await tx.findPatient(context.tenant, message.patient.identity);
    if (known?.mergedInto) problem('unknown-key', { segment: 'PID', sequence: message.patient.sequence, field: 3 }, `patient ${message.patient.identity.patientID} was merged into ${known.mergedInto.patientID}; order for that patient`);
    const patient = applyPatientUpdate(known?.attributes ?? {}, message.patient);
    for (const request of message.orders) {
      const { order, item, event } = await applyOrder(tx, request, patient, message, context);
      orders.push({ accessionNumber: order.accessionNumber, control: request.control, status: order.status });
      events.push(outboxEntry(event, context.origin, eventData(order, item, context), context.now));
    }
    return { effect: { orders }, events };
  },
};

async function applyOrder(
  tx: Hl7Transaction,
  request: Hl7OrderRequest,
  patient: DicomJsonDataset,
  message: Hl7OrderMessage,
  context: ApplyContext,
): Promise<{ order: ImagingOrder; item: WorklistItem; event: typeof OrderPlacedV1 | typeof OrderChangedV1 | typeof OrderCancelledV1 }> {
  const at = { segment: 'ORC', sequence: request.sequence, field: 1 };
  const existing = await tx.findOrder(context.tenant, request.accessionNumber);
  const base = {
    tenant: context.tenant,
    accessionNumber: request.accessionNumber,
    ...(request.placerOrderNumber ? { placerOrderNumber: request.placerOrderNumber } : {}),
    ...(request.fillerOrderNumber ? { fillerOrderNumber: request.fillerOrderNumber } : {}),
    patient: message.patient.identity,
  };
  if (request.control === 'NW') {
    if (existing) problem('duplicate-key', at, `order ${request.accessionNumber} exists already; change it with ORC-1 XO`);
    const checked = orderWorklistItem(request, patient, request.studyInstanceUID, 'SCHEDULED', context.ids);
    const order: ImagingOrder = { ...base, studyInstanceUID: checked.studyInstanceUID, scheduledProcedureStepID: checked.scheduledProcedureStepID, status: 'SCHEDULED' };
    const item = { tenant: context.tenant, ...checked };
    await tx.saveOrder(order, item);
    return { order, item, event: OrderPlacedV1 };
  }
  if (!existing) problem('unknown-key', at, `order ${request.accessionNumber} is not known here; place it with ORC-1 NW first`);
  if (FINAL_STEP_STATUSES.includes(existing.status)) problem('unknown-key', at, `order ${request.accessionNumber} is ${existing.status} and cannot change any more`);
  if (request.control === 'XO') {
    const checked = orderWorklistItem({ ...request, scheduledProcedureStepID: existing.scheduledProcedureStepID }, patient, existing.studyInstanceUID, existing.status, context.ids);
    const order: ImagingOrder = { ...existing, ...base, status: existing.status };
    const item = { tenant: context.tenant, ...checked };
    await tx.saveOrder(order, item);
    return { order, item, event: OrderChangedV1 };
  }
  let status: ScheduledStepStatus;
  if (request.control === 'CA') status = 'CANCELED';
  else if (request.control === 'DC') status = 'DISCONTINUED';
  else {
    const mapped = ORDER_STATUSES[request.orderStatus];
    if (mapped === undefined) problem('table-value-not-found', { segment: 'ORC', sequence: request.sequence, field: 5 }, `ORC-5 "${request.orderStatus}" is not an order status this receiver maps (${Object.keys(ORDER_STATUSES).join(', ')})`);
    status = mapped;
  }
  const order: ImagingOrder = { ...existing, status };
  const item = await tx.setOrderStatus(order);
  if (!item) problem('unknown-key', at, `the worklist item of order ${request.accessionNumber} was removed`);
  return { order, item, event: status === 'CANCELED' || status === 'DISCONTINUED' ? OrderCancelledV1 : OrderChangedV1 };
}

function eventData(order: ImagingOrder, item: WorklistItem, context: ApplyContext) {
  const ds = item.attributes;
  const step = scheduledStepOf(ds);
  const value = (d: DicomJsonDataset, tag: number): string => stringValue(d, tagKey(tag)) ?? '';
  const date = value(step, WorklistTags.ScheduledProcedureStepStartDate);
  const time = value(step, WorklistTags.ScheduledProcedureStepStartTime).padEnd(6, '0');
  const description = value(ds, WorklistTags.RequestedProcedureDescription);
  return {
    accessionNumber: order.accessionNumber,
    ...(order.placerOrderNumber ? { placerOrderNumber: order.placerOrderNumber } : {}),
    ...(order.fillerOrderNumber ? { fillerOrderNumber: order.fillerOrderNumber } : {}),
    studyInstanceUID: order.studyInstanceUID,
    requestedProcedureID: value(ds, WorklistTags.RequestedProcedureID),
    ...(description ? { requestedProcedureDescription: description } : {}),
    scheduledProcedureStepID: order.scheduledProcedureStepID,
    modality: value(step, Tags.Modality),
    scheduledStationAETitles: (step[tagKey(WorklistTags.ScheduledStationAETitle)]?.Value ?? []).map(String),
    scheduledStartDateTime: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}`,
    status: order.status,
    patient: order.patient,
    message: context.cause,
  };
}
