import { accessionOfServiceRequestId, FhirError, FhirErrorCode, serviceRequestResource, type LocalZone, type ServiceRequest } from '@tessera/fhir';
import type { Hl7Store } from '@tessera/hl7-store';
import type { FhirIndex } from '@tessera/index-store';
import type { WorklistStore } from '@tessera/worklist';

/** A ServiceRequest, or why there is none. */
export type ReadServiceRequestResult = { readonly ok: true; readonly value: ServiceRequest } | { readonly ok: false; readonly error: FhirError };

/**
 * Reads the ServiceRequest of an order (FHIR R4 3.1.0.3 read) by its id, the Accession Number: the
 * order as HL7 or FHIR left it, with its worklist item, and its patient as a reference when the index
 * has the patient.
 */
export class ReadServiceRequestUseCase {
  constructor(
    private readonly orders: Hl7Store,
    private readonly worklist: WorklistStore,
    private readonly index: FhirIndex,
    private readonly zone: LocalZone,
  ) {}

  async execute(tenant: string, id: string): Promise<ReadServiceRequestResult> {
    const accessionNumber = accessionOfServiceRequestId(id);
    const order = accessionNumber === undefined ? undefined : await this.orders.transaction((tx) => tx.findOrder(tenant, accessionNumber));
    if (!order) return { ok: false, error: new FhirError(FhirErrorCode.NotFound, `No ServiceRequest with id ${id}`) };
    const item = await this.worklist.find(tenant, order.studyInstanceUID, order.scheduledProcedureStepID);
    const patient = (await this.index.searchPatients(tenant, { identifiers: [[order.patient]] }, { offset: 0, count: 1 })).items[0];
    const stored = {
      accessionNumber: order.accessionNumber,
      ...(order.placerOrderNumber ? { placerOrderNumber: order.placerOrderNumber } : {}),
      ...(order.fillerOrderNumber ? { fillerOrderNumber: order.fillerOrderNumber } : {}),
      studyInstanceUID: order.studyInstanceUID,
      status: order.status,
      patientID: order.patient.patientID,
      issuerOfPatientID: order.patient.issuerOfPatientID,
      ...(item ? { item: item.attributes } : {}),
    };
    return { ok: true, value: serviceRequestResource(stored, patient?.id, this.zone) };
  }
}
