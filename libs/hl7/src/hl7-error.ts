/** Why the HL7 core refused a message. Each edge maps these exhaustively to its protocol (STYLE 7). */
export const Hl7ErrorCode = {
  /** Nothing but segment terminators or white space. */
  EmptyMessage: 'empty-message',
  /** The first segment is not MSH (HL7 v2.5.1 2.5.1: every message starts with its header). */
  MissingHeader: 'missing-header',
  /** MSH-1 or MSH-2 cannot be the message's delimiters (HL7 v2.5.1 2.5.4). */
  InvalidEncodingCharacters: 'invalid-encoding-characters',
  /** MSH-18 names a character set this core does not decode. */
  UnsupportedCharacterSet: 'unsupported-character-set',
  /** Bytes that are not text in the character set MSH-18 declares. */
  InvalidCharacters: 'invalid-characters',
  /** A segment whose name is not three upper-case letters or digits (HL7 v2.5.1 2.5.2). */
  InvalidSegmentName: 'invalid-segment-name',
  /** A segment where it may not be: a second MSH inside one message. */
  MisplacedSegment: 'misplaced-segment',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

/**
 * Where in a message something is, as an ERR-2 Error Location gives it (HL7 v2.5.1 2.A.26, ERL):
 * the segment's ID and its 1-based sequence among the message's segments, and optionally the field
 * (MSH-1 is the field separator itself) and the component.
 */
export interface Hl7Location {
  readonly segment: string;
  readonly sequence: number;
  readonly field?: number;
  readonly component?: number;
}

/** A failure of the HL7 core with a code an edge can map and a message a person can act on. */
export class Hl7Error extends Error {
  constructor(
    readonly code: Hl7ErrorCode,
    message: string,
    /** Where the problem is, when it has a place. */
    readonly location?: Hl7Location,
  ) {
    super(message);
    this.name = 'Hl7Error';
  }
}
