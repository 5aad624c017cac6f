/** Why a well-formed message was refused. The MLLP edge maps each to an acknowledgement (STYLE 7). */
export const Hl7Failure = {
  /** MSH-9, MSH-10, MSH-11 or MSH-12 is empty. */
  RequiredFieldMissing: 'required-field-missing',
  /** MSH-12 names a version this receiver does not read. */
  UnsupportedVersion: 'unsupported-version',
  /** MSH-11 is not P: the message is not for a production system. */
  UnsupportedProcessingId: 'unsupported-processing-id',
  /** MSH-6 names a facility that no tenant receives for. */
  UnknownReceivingFacility: 'unknown-receiving-facility',
  /** MSH-9 names a message type this receiver does not process. */
  UnsupportedMessageType: 'unsupported-message-type',
} as const;
export type Hl7Failure = (typeof Hl7Failure)[keyof typeof Hl7Failure];

/** A refusal: why, the MSH field it is about, and what to tell the sender. */
export interface Hl7Refusal {
  readonly outcome: 'refused';
  readonly failure: Hl7Failure;
  /** The MSH field at fault. */
  readonly field: number;
  readonly message: string;
  /** The tenant the message was for, once MSH-6 has told. */
  readonly tenant?: string;
}
