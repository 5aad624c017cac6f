import { FhirResourceReceivedV1 } from '@tessera/contracts';
import { FhirError, FhirErrorCode, fhirStatus, readServiceRequest, serviceRequestId, type LocalZone, type ServiceRequestOrder } from '@tessera/fhir';
import { ContentProblemError, type ContentCondition, type Hl7OrderMessage, type OrderControl } from '@tessera/hl7';
import type { Hl7Store, PatientIdentity } from '@tessera/hl7-store';
import type { FhirIndex } from '@tessera/index-store';
import { outboxEntry, type EventOrigin } from '@tessera/outbox';
import type { WorklistIdSource } from '@tessera/worklist';
import type { ApplyContext } from '../messages/message-handler';
import { OrderHandler } from '../messages/order.handler';

/** A ServiceRequest sent to be created, or to update the one at `id`. */
export interface ReceiveServiceRequestCommand {
  readonly tenant: string;
  readonly interaction: 'create' | 'update';
  /** The id of the URL of an update. */
  readonly id?: string;
  readonly body: unknown;
  /** The caller, as its token's subject. */
  readonly caller: string;
  /** The HTTP request's id. */
  readonly correlationId: string;
}

/** What became of a ServiceRequest: applied (its id, and whether it placed a new order), or refused. */
export type ReceiveServiceRequestResult = { readonly ok: true; readonly id: string; readonly created: boolean } | { readonly ok: false; readonly error: FhirError };

export interface ReceiveServiceRequestOptions {
  /** The envelope's source, e.g. "hl7@host". */
  readonly source: string;
  readonly now: () => Date;
  /** Identifiers of new worklist items (Study Instance UID, Scheduled Procedure Step ID) an order does not give. */
  readonly ids: WorklistIdSource;
  readonly zone: LocalZone;
}

// What the order use case says was wrong with an order, as a FHIR refusal (STYLE 7).
const REFUSALS: Readonly<Record<ContentCondition, FhirErrorCode>> = {
  'segment-missing': FhirErrorCode.InvalidResource,
  'required-field-missing': FhirErrorCode.InvalidResource,
  'data-type-error': FhirErrorCode.InvalidResource,
  'table-value-not-found': FhirErrorCode.InvalidResource,
  'unknown-key': FhirErrorCode.BusinessRule,
  'duplicate-key': FhirErrorCode.Duplicate,
};

/**
 * A ServiceRequest created or updated over FHIR has the effect of the order message it stands for,
 * through the same order use case as ORM^O01 and OMI^O23 (IHE RAD TF-2 Appendix B): create places the
 * order (ORC-1 NW); an update with status active places it if it is new, else changes it (XO);
 * revoked or entered-in-error cancels it (CA), completed completes it (SC, ORC-5 CM). The order, its
 * worklist item, its order event and a fhir.resource.received event are written in one transaction,
 * so the caller may answer 201 or 200 once this resolves; a refusal changes nothing but its own event.
 */
export class ReceiveServiceRequestUseCase {
  constructor(
    private readonly store: Hl7Store,
    private readonly index: FhirIndex,
    private readonly notify: () => void,
    private readonly options: ReceiveServiceRequestOptions,
  ) {}

  async execute(command: ReceiveServiceRequestCommand): Promise<ReceiveServiceRequestResult> {
    const origin: EventOrigin = { tenant: command.tenant, source: this.options.source, correlationId: command.correlationId };
    const now = this.options.now();
    const received = (id: string | undefined, outcome: 'applied' | 'refused', status: number, reason?: string) =>
      outboxEntry(FhirResourceReceivedV1, origin, { resourceType: 'ServiceRequest', ...(id !== undefined ? { id } : {}), interaction: command.interaction, outcome, status, ...(reason !== undefined ? { reason } : {}), caller: command.caller }, now);
    try {
      const order = readServiceRequest(command.body, this.options.zone);
      const id = serviceRequestId(order.accessionNumber);
      if (command.interaction === 'update' && order.id !== command.id) {
        throw new FhirError(FhirErrorCode.InvalidRequest, `the resource's id (${order.id ?? 'none'}) is not the id of the URL (${command.id ?? ''}); an update sends the resource with its own id`, 'ServiceRequest.id');
      }
      if (command.interaction === 'update' && id !== command.id) {
        throw new FhirError(FhirErrorCode.InvalidRequest, `ServiceRequest/${command.id ?? ''} is the order whose Accession Number its id is; this resource's Accession Number ${order.accessionNumber} is another order's`, 'ServiceRequest.identifier');
      }
      const patient = await this.patientOf(command.tenant, order);
      const context: ApplyContext = {
        tenant: command.tenant,
        origin,
        now,
        cause: { messageType: `ServiceRequest.${command.interaction}`, controlId: command.correlationId, sendingApplication: command.caller, sendingFacility: '' },
        ids: this.options.ids,
      };
      const created = await this.store.transaction(async (tx) => {
        const existing = await tx.findOrder(command.tenant, order.accessionNumber);
        if (command.interaction === 'create' && existing) throw new FhirError(FhirErrorCode.Duplicate, `ServiceRequest/${id}, the order with Accession Number ${order.accessionNumber}, exists already; change it with an update`);
        if (command.interaction === 'update' && !existing && order.intent !== 'place-or-change') throw new FhirError(FhirErrorCode.NotFound, `No ServiceRequest with id ${id}; an order is placed with status active`);
        const control: OrderControl = command.interaction === 'create' || (!existing && order.intent === 'place-or-change') ? 'NW' : order.intent === 'place-or-change' ? 'XO' : order.intent === 'cancel' ? 'CA' : 'SC';
        const applied = await OrderHandler.apply(tx, orderMessage(order, patient, control), context);
        await tx.appendEvents([...applied.events, received(id, 'applied', control === 'NW' ? 201 : 200)]);
        return control === 'NW';
      });
      this.notify();
      return { ok: true, id, created };
    } catch (err) {
      const error = err instanceof FhirError ? err : err instanceof ContentProblemError ? new FhirError(REFUSALS[err.problem.condition], err.problem.message) : undefined;
      if (!error) throw err;
      await this.store.transaction((tx) => tx.appendEvents([received(command.id, 'refused', fhirStatus(error.code), error.message)]));
      this.notify();
      return { ok: false, error };
    }
  }

  /** The order's patient: a Patient of the index, or one named by its identifier (with its name, when the index does not know it). */
  private async patientOf(tenant: string, order: ServiceRequestOrder): Promise<{ identity: PatientIdentity; name?: string }> {
    const subject = order.subject;
    if (subject.kind === 'patient') {
      const patient = await this.index.patient(tenant, subject.id);
      if (!patient) throw new FhirError(FhirErrorCode.InvalidResource, `ServiceRequest.subject: this server has no Patient/${subject.id}`, 'ServiceRequest.subject');
      return { identity: { patientID: patient.patientID, issuerOfPatientID: patient.issuerOfPatientID } };
    }
    const identity = { patientID: subject.patientID, issuerOfPatientID: subject.issuerOfPatientID };
    const known = (await this.index.searchPatients(tenant, { identifiers: [[identity]] }, { offset: 0, count: 1 })).total > 0;
    return known || subject.name === undefined ? { identity } : { identity, name: subject.name };
  }
}

/** The order message a ServiceRequest stands for, with one order (IHE RAD TF-2 Table B-1). */
function orderMessage(order: ServiceRequestOrder, patient: { identity: PatientIdentity; name?: string }, control: OrderControl): Hl7OrderMessage {
  const { identity } = patient;
  return {
    patient: {
      identity,
      set: {
        '00100020': { vr: 'LO', Value: [identity.patientID] },
        ...(identity.issuerOfPatientID ? { '00100021': { vr: 'LO' as const, Value: [identity.issuerOfPatientID] } } : {}),
        ...(patient.name ? { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: patient.name }] } } : {}),
      },
      remove: [],
      sequence: 0,
    },
    orders: [
      {
        control,
        orderStatus: control === 'SC' ? 'CM' : '',
        placerOrderNumber: order.placerOrderNumber,
        fillerOrderNumber: order.fillerOrderNumber,
        accessionNumber: order.accessionNumber,
        requestedProcedureID: order.accessionNumber,
        studyInstanceUID: order.studyInstanceUID,
        scheduledProcedureStepID: order.accessionNumber,
        modality: order.modality,
        scheduledStationAETitle: order.scheduledStationAETitle,
        procedure: order.procedure,
        start: `${order.start.date}${order.start.time}`,
        requestingPhysician: order.requestingPhysician,
        sequence: 0,
      },
    ],
  };
}
