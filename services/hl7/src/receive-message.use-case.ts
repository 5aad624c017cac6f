import type { Hl7Message } from '@tessera/hl7';
import { Hl7Failure, type Hl7Refusal } from './hl7-failure';

/** The versions of HL7 v2 this receiver reads (MSH-12). */
export const SUPPORTED_VERSIONS: readonly string[] = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1'];

export interface ReceiveMessageOptions {
  readonly defaultTenant: string;
  /** MSH-6 namespace IDs and their tenants; empty: every message is for the default tenant. */
  readonly receivingFacilities: Readonly<Record<string, string>>;
}

/** What became of a message. No message type is processed yet, so every message is refused. */
export type ReceiveMessageResult = Hl7Refusal;

/**
 * Takes a parsed HL7 v2 message: checks the header fields the receiver must check before anything
 * else (HL7 v2.5.1 2.9.2.2 b: message type, processing ID, version), finds the tenant the message is
 * for from its receiving facility (MSH-6), and processes the message by its type. Tessera processes
 * no message type yet, so every well-formed message ends as an unsupported message type, and
 * nothing is stored.
 */
export class ReceiveMessageUseCase {
  constructor(private readonly options: ReceiveMessageOptions) {}

  async execute(message: Hl7Message): Promise<ReceiveMessageResult> {
    const msh = message.header;
    const refuse = (failure: Hl7Failure, field: number, text: string, tenant?: string): Hl7Refusal => ({ outcome: 'refused', failure, field, message: text, ...(tenant ? { tenant } : {}) });
    // HL7 v2.5.1 2.15.9: MSH-9 to MSH-12 are required.
    for (const [field, name] of [
      [9, 'message type'],
      [10, 'message control ID'],
      [11, 'processing ID'],
      [12, 'version ID'],
    ] as const) {
      if (msh.value(field) === '') return refuse(Hl7Failure.RequiredFieldMissing, field, `MSH-${field} (${name}) is empty; it is required`);
    }
    const version = message.version;
    if (!SUPPORTED_VERSIONS.includes(version)) return refuse(Hl7Failure.UnsupportedVersion, 12, `HL7 version ${version} is not supported; this receiver reads ${SUPPORTED_VERSIONS.join(', ')}`);
    // HL7 Table 0103: P production, D debugging, T training. Tessera is the production archive.
    const processingId = msh.value(11);
    if (processingId !== 'P') return refuse(Hl7Failure.UnsupportedProcessingId, 11, `processing ID ${processingId} is not accepted; this receiver takes production messages (P) only`);
    const facility = msh.value(6);
    const tenant = this.tenantOf(facility);
    if (tenant === undefined) return refuse(Hl7Failure.UnknownReceivingFacility, 6, `receiving facility ${facility === '' ? '(empty)' : facility} is not served by this receiver`);
    const { code, trigger } = message.messageType;
    const type = trigger === '' ? code : `${code}^${trigger}`;
    return refuse(Hl7Failure.UnsupportedMessageType, 9, `message type ${type} is not supported: this receiver accepts no message types yet`, tenant);
  }

  private tenantOf(facility: string): string | undefined {
    const { receivingFacilities, defaultTenant } = this.options;
    return Object.keys(receivingFacilities).length === 0 ? defaultTenant : receivingFacilities[facility];
  }
}
