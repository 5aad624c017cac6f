import { type IncomingMessage, PermanentError, readEnvelope } from '@tessera/bus';
import { parseEvent, StudyStableV1 } from '@tessera/contracts';
import { buildOrderStatusMessage } from '@tessera/hl7';
import type { Hl7Outbound } from '@tessera/hl7-store';
import type { Logger } from '@tessera/telemetry';

/** What queueing results needs to know of the deployment. */
export interface QueueResultOptions {
  /** The tenants that have a RIS to tell. */
  readonly destinations: Readonly<Record<string, unknown>>;
  /** MSH-4 per tenant: the facility its RIS addresses Tessera as (HL7_RECEIVING_FACILITIES); else the tenant id. */
  readonly facilities: Readonly<Record<string, string>>;
  readonly now: () => Date;
}

/**
 * Results out (issue 5): when a study matched to an order is stable, queues the order status message
 * for the tenant's RIS (IHE SWF "procedure completed, images available": ORM^O01, ORC-1 SC, ORC-5 CM).
 * Studies without an order, and tenants without a RIS endpoint, send nothing. The event's id makes a
 * redelivered event queue nothing more; a study that settles again after more instances is told again.
 */
export class QueueResultUseCase {
  constructor(
    private readonly outbound: Hl7Outbound,
    private readonly wake: () => void,
    private readonly logger: Logger,
    private readonly options: QueueResultOptions,
  ) {}

  async handle(message: IncomingMessage): Promise<'queued' | 'duplicate' | 'skipped'> {
    const { type, raw } = readEnvelope(message);
    if (type !== StudyStableV1.type) return 'skipped';
    let event;
    try {
      event = parseEvent(StudyStableV1, raw);
    } catch (err) {
      throw new PermanentError(`study.stable.v1 breaks its schema: ${(err as Error).message}`);
    }
    const { data, tenant } = event;
    if (!data.order || this.options.destinations[tenant] === undefined) return 'skipped';
    // MSH-10 is at most 20 characters (HL7 v2.5.1 2.15.9.10); the event's id gives one that a resend keeps.
    const controlId = event.id.replace(/-/g, '').slice(0, 20).toUpperCase();
    const payload = buildOrderStatusMessage({
      controlId,
      now: this.options.now(),
      sendingApplication: 'TESSERA',
      sendingFacility: this.options.facilities[tenant] ?? tenant,
      // The patient as the RIS identified it in the order; the demographics the archive has now.
      patient: {
        ...data.order.patient,
        ...(data.demographics.patientName ? { name: data.demographics.patientName } : {}),
        ...(data.demographics.patientBirthDate ? { birthDate: data.demographics.patientBirthDate } : {}),
        ...(data.demographics.patientSex ? { sex: data.demographics.patientSex } : {}),
      },
      order: data.order,
      studyInstanceUID: data.studyInstanceUID,
      modalities: data.modalitiesInStudy,
    });
    const outcome = await this.outbound.enqueue(
      { tenant, causeEventId: event.id, controlId, messageType: 'ORM^O01', accessionNumber: data.order.accessionNumber, studyInstanceUID: data.studyInstanceUID, payload },
      this.options.now(),
    );
    this.logger.info('HL7 result queued', { tenant, controlId, accessionNumber: data.order.accessionNumber, duplicate: outcome === 'duplicate' });
    if (outcome === 'queued') this.wake();
    return outcome;
  }
}
