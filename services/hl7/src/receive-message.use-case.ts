import { Hl7MessageReceivedV1 } from '@tessera/contracts';
import { ContentProblemError, type ContentProblem, type Hl7Location, type Hl7Message } from '@tessera/hl7';
import type { Hl7Store, Hl7Transaction, MessageKey } from '@tessera/hl7-store';
import { outboxEntry, type EventOrigin } from '@tessera/outbox';
import type { WorklistIdSource } from '@tessera/worklist';
import { createHash } from 'node:crypto';
import { Hl7Failure, type Hl7Acceptance, type Hl7Refusal } from './hl7-failure';
import { ChangePatientIdentifierHandler } from './messages/change-patient-identifier.handler';
import { MergePatientsHandler } from './messages/merge-patients.handler';
import type { Applied, ApplyContext, MessageHandler } from './messages/message-handler';
import { OrderHandler } from './messages/order.handler';
import { UpdatePatientHandler } from './messages/update-patient.handler';

/** The versions of HL7 v2 this receiver reads (MSH-12). */
export const SUPPORTED_VERSIONS: readonly string[] = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1'];

/** Reads a message, and gives what applies what it read. */
type Processor = (message: Hl7Message) => (tx: Hl7Transaction, context: ApplyContext) => Promise<Applied>;
const processor =
  <T>(handler: MessageHandler<T>): Processor =>
  (message) => {
    const command = handler.read(message);
    return (tx, context) => handler.apply(tx, command, context);
  };

/** The message types (MSH-9 code and trigger) this receiver processes, and how. */
const HANDLERS: Readonly<Record<string, Processor>> = {
  'ADT^A01': processor(UpdatePatientHandler),
  'ADT^A04': processor(UpdatePatientHandler),
  'ADT^A08': processor(UpdatePatientHandler),
  'ADT^A31': processor(UpdatePatientHandler),
  'ADT^A40': processor(MergePatientsHandler),
  'ADT^A47': processor(ChangePatientIdentifierHandler),
  'ORM^O01': processor(OrderHandler),
  'OMI^O23': processor(OrderHandler),
};

/** The message types this receiver processes. */
export const SUPPORTED_MESSAGE_TYPES: readonly string[] = Object.keys(HANDLERS);

export interface ReceiveMessageOptions {
  readonly defaultTenant: string;
  /** MSH-6 namespace IDs and their tenants; empty: every message is for the default tenant. */
  readonly receivingFacilities: Readonly<Record<string, string>>;
  /** The envelope's source, e.g. "hl7@host". */
  readonly source: string;
  readonly now: () => Date;
  /** Identifiers of new worklist items (Study Instance UID, Scheduled Procedure Step ID) an order does not give. */
  readonly ids: WorklistIdSource;
}

/** What became of a message. */
export type ReceiveMessageResult = Hl7Acceptance | Hl7Refusal;

const MSH = (field: number): Hl7Location => ({ segment: 'MSH', sequence: 1, field });

/**
 * Takes a parsed HL7 v2 message: checks the header fields the receiver must check before anything
 * else (HL7 v2.5.1 2.9.2.2 b: message type, processing ID, version), finds the tenant from the
 * receiving facility (MSH-6), reads the content for its type, and applies it. Applying, recording the
 * message under its key (MSH-3, MSH-4, MSH-10: 2.10.2) and recording its events happen in one
 * transaction, so the caller may acknowledge success once this resolves, and a failure (a rejection
 * here) leaves nothing changed. A message received again after it was applied changes nothing and
 * is accepted again; one that reuses a control ID for other content is refused.
 */
export class ReceiveMessageUseCase {
  constructor(
    private readonly store: Hl7Store,
    private readonly notify: () => void,
    private readonly options: ReceiveMessageOptions,
  ) {}

  async execute(message: Hl7Message, correlationId: string): Promise<ReceiveMessageResult> {
    const msh = message.header;
    const refuse = (failure: Hl7Failure, location: Hl7Location, text: string, tenant?: string): Hl7Refusal => ({ outcome: 'refused', failure, location, message: text, ...(tenant ? { tenant } : {}) });
    // HL7 v2.5.1 2.15.9: MSH-9 to MSH-12 are required.
    for (const [field, name] of [
      [9, 'message type'],
      [10, 'message control ID'],
      [11, 'processing ID'],
      [12, 'version ID'],
    ] as const) {
      if (msh.value(field) === '') return refuse(Hl7Failure.RequiredFieldMissing, MSH(field), `MSH-${field} (${name}) is empty; it is required`);
    }
    const version = message.version;
    if (!SUPPORTED_VERSIONS.includes(version)) return refuse(Hl7Failure.UnsupportedVersion, MSH(12), `HL7 version ${version} is not supported; this receiver reads ${SUPPORTED_VERSIONS.join(', ')}`);
    // HL7 Table 0103: P production, D debugging, T training. Tessera is the production archive.
    const processingId = msh.value(11);
    if (processingId !== 'P') return refuse(Hl7Failure.UnsupportedProcessingId, MSH(11), `processing ID ${processingId} is not accepted; this receiver takes production messages (P) only`);
    const facility = msh.value(6);
    const tenant = this.tenantOf(facility);
    if (tenant === undefined) return refuse(Hl7Failure.UnknownReceivingFacility, MSH(6), `receiving facility ${facility === '' ? '(empty)' : facility} is not served by this receiver`);

    const { code, trigger } = message.messageType;
    const type = trigger === '' ? code : `${code}^${trigger}`;
    const key: MessageKey = { tenant, sendingApplication: hd(message, 3), sendingFacility: hd(message, 4), controlId: message.controlId };
    const origin: EventOrigin = { tenant, source: this.options.source, correlationId };
    const now = this.options.now();
    const received = (outcome: 'applied' | 'duplicate' | 'refused', refusal?: Hl7Refusal) =>
      outboxEntry(
        Hl7MessageReceivedV1,
        origin,
        { messageType: type, controlId: key.controlId, sendingApplication: key.sendingApplication, sendingFacility: key.sendingFacility, version, outcome, ...(refusal ? { errorCondition: refusal.failure, reason: refusal.message } : {}) },
        now,
      );
    // A refusal changes nothing but its event.
    const refused = async (refusal: Hl7Refusal): Promise<Hl7Refusal> => {
      await this.store.transaction((tx) => tx.appendEvents([received('refused', refusal)]));
      this.notify();
      return refusal;
    };

    const handler = HANDLERS[type];
    if (!handler) return refused(refuse(Hl7Failure.UnsupportedMessageType, MSH(9), `message type ${type} is not supported; this receiver processes ${SUPPORTED_MESSAGE_TYPES.join(', ')}`, tenant));
    const content = (problem: ContentProblem): Hl7Refusal => ({ outcome: 'refused', failure: Hl7Failure.InvalidContent, condition: problem.condition, location: problem.location, message: problem.message, tenant });
    let apply: ReturnType<Processor>;
    try {
      apply = handler(message);
    } catch (err) {
      if (err instanceof ContentProblemError) return refused(content(err.problem));
      throw err;
    }

    const digest = contentDigest(message);
    const context: ApplyContext = { tenant, origin, now, cause: { messageType: type, controlId: key.controlId, sendingApplication: key.sendingApplication, sendingFacility: key.sendingFacility }, ids: this.options.ids };
    let result: ReceiveMessageResult | undefined;
    try {
      result = await this.store.transaction(async (tx): Promise<ReceiveMessageResult | undefined> => {
        const previous = await tx.claimMessage(key);
        if (previous && previous.contentSha256 !== digest) return undefined;
        if (previous) {
          await tx.appendEvents([received('duplicate')]);
          return { outcome: 'accepted', tenant, duplicate: true };
        }
        const applied = await apply(tx, context);
        await tx.recordMessage({ key, messageType: type, contentSha256: digest, effect: applied.effect });
        await tx.appendEvents([...applied.events, received('applied')]);
        return { outcome: 'accepted', tenant, duplicate: false };
      });
    } catch (err) {
      // What only the stored state shows (an unknown patient): everything written so far is undone.
      if (err instanceof ContentProblemError) return refused(content(err.problem));
      throw err;
    }
    if (result === undefined) {
      return refused(refuse(Hl7Failure.ControlIdReused, MSH(10), `message control ID ${key.controlId} of ${key.sendingApplication || '(no application)'} at ${key.sendingFacility || '(no facility)'} was used before for another message; each message needs its own`, tenant));
    }
    this.notify();
    return result;
  }

  private tenantOf(facility: string): string | undefined {
    const { receivingFacilities, defaultTenant } = this.options;
    return Object.keys(receivingFacilities).length === 0 ? defaultTenant : receivingFacilities[facility];
  }
}

/** An HD field (MSH-3, MSH-4) as one string: its components joined by "^". */
function hd(message: Hl7Message, field: number): string {
  return (message.header.field(field)[0] ?? []).map((c) => c.join('&')).join('^').replace(/\^+$/, '');
}

/** SHA-256 of everything after MSH, so that a sender restamping MSH-7 on a resend still sends the same message. */
function contentDigest(message: Hl7Message): string {
  return createHash('sha256')
    .update(JSON.stringify(message.segments.slice(1).map((s) => [s.name, s.fields])))
    .digest('hex');
}
