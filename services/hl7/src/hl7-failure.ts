import type { ContentCondition, Hl7Location } from '@tessera/hl7';

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
  /** The content cannot be applied: `condition` says why (a segment or field missing, a bad value, an unknown key…). */
  InvalidContent: 'invalid-content',
  /** MSH-10 was used before by the same sender for a message with other content. */
  ControlIdReused: 'control-id-reused',
} as const;
export type Hl7Failure = (typeof Hl7Failure)[keyof typeof Hl7Failure];

/** A refusal: why, where in the message, and what to tell the sender. Nothing was changed. */
export interface Hl7Refusal {
  readonly outcome: 'refused';
  readonly failure: Hl7Failure;
  /** For InvalidContent: the HL7 Table 0357 class of the problem. */
  readonly condition?: ContentCondition;
  /** The segment and field at fault. */
  readonly location: Hl7Location;
  readonly message: string;
  /** The tenant the message was for, once MSH-6 has told. */
  readonly tenant?: string;
}

/** A message applied now, or applied before and received again (a duplicate, which changed nothing). */
export interface Hl7Acceptance {
  readonly outcome: 'accepted';
  readonly tenant: string;
  readonly duplicate: boolean;
}
