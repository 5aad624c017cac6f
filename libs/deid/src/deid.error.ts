/** Why de-identification refused an object. Each edge maps these exhaustively to its protocol (STYLE 7). */
export const DeidErrorCode = {
  /**
   * Burned In Annotation (0028,0301) is YES: identifying text may be in the pixels, and this library does
   * not clean pixel data, so it cannot claim the object is de-identified (PS3.15 E.3.1).
   */
  BurnedInAnnotation: 'burned-in-annotation',
  /** Options that exclude each other, such as both Retain Longitudinal Temporal Information options. */
  ConflictingOptions: 'conflicting-options',
  /** Retain Longitudinal Temporal Information with Modified Dates was asked for without a date shift. */
  MissingDateShift: 'missing-date-shift',
  /** The input is not a Part 10 file this library can read (malformed, or a transfer syntax it cannot parse). */
  UnreadableInput: 'unreadable-input',
  /** The de-identified data set cannot be written back (for example nested encapsulated pixel data). */
  UnwritableOutput: 'unwritable-output',
} as const;
export type DeidErrorCode = (typeof DeidErrorCode)[keyof typeof DeidErrorCode];

/** A failure of de-identification with a code an edge can map and a message a person can act on. */
export class DeidError extends Error {
  constructor(
    readonly code: DeidErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeidError';
  }
}
