import type { AuditEvent } from '@tessera/audit';
import {
  acknowledgementWanted,
  buildAcknowledgement,
  ErrorCondition,
  Hl7ErrorCode,
  parseHeader,
  parseMessage,
  type AcknowledgementError,
  type AcknowledgementOutcome,
  type ContentCondition,
  type Hl7Error,
  type Hl7Message,
  type ReceivedHeader,
} from '@tessera/hl7';
import type { Logger } from '@tessera/telemetry';
import { Hl7Failure, type Hl7Refusal } from '../hl7-failure';
import type { ReceiveMessageUseCase } from '../receive-message.use-case';
import { hl7AuditEvents } from '../hl7-audit';

/** Who sent a frame. */
export interface MllpPeer {
  readonly connection: string;
  readonly remoteAddress: string;
}

/** What to send back for a frame: an acknowledgement, or nothing; and whether to close the connection. */
export interface MllpReply {
  readonly acknowledgement?: Buffer;
  readonly close?: boolean;
}

export interface MllpMessageHandlerOptions {
  readonly now: () => Date;
  /** A fresh MSH-10 for each acknowledgement. */
  readonly nextControlId: () => string;
  /** The size above which a frame is not read (MLLP_MAX_MESSAGE_BYTES), for the refusal's words. */
  readonly maxMessageBytes: number;
  /** The audit trail: each message that changed patient data is recorded once it is committed. */
  readonly audit?: { record(event: AuditEvent): Promise<unknown> };
}

type Answer = { readonly outcome: AcknowledgementOutcome; readonly error?: AcknowledgementError; readonly duplicate?: boolean };

/**
 * The MLLP edge: parses a framed message, hands it to the use case, and answers with the
 * acknowledgement HL7 v2.5.1 2.9 gives its outcome. One log line per message says what it was and
 * how it was answered, never what it said (it carries patient data).
 */
export class MllpMessageHandler {
  constructor(
    private readonly receive: ReceiveMessageUseCase,
    private readonly logger: Logger,
    private readonly options: MllpMessageHandlerOptions,
  ) {}

  private audit(message: Hl7Message, tenant: string, peer: MllpPeer): void {
    for (const event of hl7AuditEvents(message, tenant, peer.remoteAddress)) {
      this.options.audit?.record(event).catch((err: Error) => this.logger.error('audit record not written', { reason: err.message, event: event.type, controlId: message.controlId }));
    }
  }

  async message(payload: Buffer, peer: MllpPeer): Promise<MllpReply> {
    const parsed = parseMessage(payload);
    if (!parsed.ok) return this.answer(peer, parsed.received, payload.length, parseFailure(parsed.error));
    const message = parsed.message;
    let answer: Answer;
    let tenant: string | undefined;
    try {
      // Resolves only once what the message changes is committed: only then may it be accepted.
      const result = await this.receive.execute(message, `${peer.connection}/${message.controlId}`);
      tenant = result.tenant;
      answer = result.outcome === 'accepted' ? { outcome: 'accept', duplicate: result.duplicate } : refusal(result);
      if (result.outcome === 'accepted' && !result.duplicate) this.audit(message, result.tenant, peer);
    } catch (err) {
      // Nothing was committed: an application error the sender can recover from by sending the
      // message again (ERR-3 207, application internal error).
      this.logger.error('HL7 message processing failed', { connection: peer.connection, controlId: message.controlId, error: (err as Error).message });
      answer = { outcome: 'error', error: { condition: ErrorCondition.ApplicationInternalError, severity: 'E', userMessage: 'the receiver failed to process the message and changed nothing; send it again later' } };
    }
    return this.answer(peer, message, payload.length, answer, tenant);
  }

  /**
   * A frame above the maximum size, of which only the head was kept: answered AR when its MSH can
   * be read, so that the sender learns why; otherwise nothing can be answered and the connection is
   * closed, the sender having shown that it does not speak HL7 here.
   */
  oversized(head: Buffer, size: number, peer: MllpPeer): MllpReply {
    const header = parseHeader(head);
    if (!header.ok) {
      this.logger.warn('HL7 message too large and without a readable MSH; closing the connection', { connection: peer.connection, remote: peer.remoteAddress, bytes: size, reason: header.error.code });
      return { close: true };
    }
    return this.answer(peer, header.received, size, {
      outcome: 'reject',
      error: { condition: ErrorCondition.ApplicationInternalError, severity: 'E', userMessage: `the message has ${size} bytes, more than the ${this.options.maxMessageBytes} this receiver takes; it was not read` },
    });
  }

  private answer(peer: MllpPeer, received: ReceivedHeader, bytes: number, answer: Answer, tenant?: string): MllpReply {
    const header = received.header;
    const wanted = acknowledgementWanted(received, answer.outcome);
    const ack = wanted ? buildAcknowledgement({ received, outcome: answer.outcome, ...(answer.error ? { error: answer.error } : {}), controlId: this.options.nextControlId(), now: this.options.now() }) : undefined;
    const location = answer.error?.location;
    this.logger.info('HL7 message', {
      connection: peer.connection,
      remote: peer.remoteAddress,
      controlId: header?.value(10),
      type: header ? [header.value(9, 1), header.value(9, 2)].filter(Boolean).join('^') : undefined,
      version: header?.value(12),
      bytes,
      tenant,
      acknowledgement: ack?.code ?? `none (MSH-15 ${header?.value(15)})`,
      ...(answer.error ? { condition: answer.error.condition.code } : {}),
      ...(answer.duplicate ? { duplicate: true } : {}),
      ...(location ? { at: `${location.segment}-${location.sequence}${location.field !== undefined ? `/${location.field}` : ''}` } : {}),
    });
    return ack ? { acknowledgement: ack.bytes } : {};
  }
}

/** A message that could not be read (HL7 v2.5.1 2.9.2.2 c2: an error the sender can correct), except an unsupported character set, which is refused like a version. */
function parseFailure(error: Hl7Error): Answer {
  const answer = (outcome: AcknowledgementOutcome, condition: ErrorCondition): Answer => ({
    outcome,
    error: { condition, severity: 'E', userMessage: error.message, ...(error.location ? { location: error.location } : {}) },
  });
  switch (error.code) {
    case Hl7ErrorCode.EmptyMessage:
    case Hl7ErrorCode.MissingHeader:
    case Hl7ErrorCode.InvalidSegmentName:
    case Hl7ErrorCode.MisplacedSegment:
      return answer('error', ErrorCondition.SegmentSequenceError);
    case Hl7ErrorCode.InvalidEncodingCharacters:
    case Hl7ErrorCode.InvalidCharacters:
      return answer('error', ErrorCondition.DataTypeError);
    case Hl7ErrorCode.UnsupportedCharacterSet:
      return answer('reject', ErrorCondition.TableValueNotFound);
  }
}

/**
 * A refused message. Header values the receiver does not accept are rejections (HL7 v2.5.1 2.9.2.2 b);
 * content it cannot apply is an error the sender can correct (2.9.2.2 c2).
 */
function refusal(refused: Hl7Refusal): Answer {
  const error = (condition: ErrorCondition): AcknowledgementError => ({ condition, severity: 'E', location: refused.location, userMessage: refused.message });
  switch (refused.failure) {
    case Hl7Failure.RequiredFieldMissing:
      // Without a control ID the message can be corrected; without type, processing ID or version it cannot be taken at all.
      return { outcome: refused.location.field === 10 ? 'error' : 'reject', error: error(ErrorCondition.RequiredFieldMissing) };
    case Hl7Failure.UnsupportedVersion:
      return { outcome: 'reject', error: error(ErrorCondition.UnsupportedVersionId) };
    case Hl7Failure.UnsupportedProcessingId:
      return { outcome: 'reject', error: error(ErrorCondition.UnsupportedProcessingId) };
    case Hl7Failure.UnknownReceivingFacility:
      return { outcome: 'reject', error: error(ErrorCondition.TableValueNotFound) };
    case Hl7Failure.UnsupportedMessageType:
      return { outcome: 'reject', error: error(ErrorCondition.UnsupportedMessageType) };
    case Hl7Failure.ControlIdReused:
      return { outcome: 'error', error: error(ErrorCondition.DuplicateKeyIdentifier) };
    case Hl7Failure.InvalidContent:
      return { outcome: 'error', error: error(contentCondition(refused.condition ?? 'data-type-error')) };
  }
}

/** HL7 Table 0357 for what is wrong with a message's content. */
function contentCondition(condition: ContentCondition): ErrorCondition {
  switch (condition) {
    case 'segment-missing':
      return ErrorCondition.SegmentSequenceError;
    case 'required-field-missing':
      return ErrorCondition.RequiredFieldMissing;
    case 'data-type-error':
      return ErrorCondition.DataTypeError;
    case 'table-value-not-found':
      return ErrorCondition.TableValueNotFound;
    case 'unknown-key':
      return ErrorCondition.UnknownKeyIdentifier;
    case 'duplicate-key':
      return ErrorCondition.DuplicateKeyIdentifier;
  }
}
