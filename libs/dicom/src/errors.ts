/** Why the DICOM core refused some input. Each edge maps these exhaustively to its protocol's statuses. */
export const DicomErrorCode = {
  /** The bytes are not a well-formed data set in the stated transfer syntax. */
  MalformedDataset: 'malformed-dataset',
  /** The stream ended in the middle of an element, item or sequence. */
  TruncatedDataset: 'truncated-dataset',
  /** A Part 10 file lacks its preamble, "DICM" prefix or a required File Meta element. */
  MalformedFileMeta: 'malformed-file-meta',
  /** A transfer syntax that Tessera cannot receive. */
  UnsupportedTransferSyntax: 'unsupported-transfer-syntax',
  /** A required identifying attribute is missing. */
  MissingAttribute: 'missing-attribute',
  /** A UID that does not follow PS3.5 9.1. */
  InvalidUid: 'invalid-uid',
  /** Identifiers in different places of the same object disagree. */
  InconsistentIdentifiers: 'inconsistent-identifiers',
  /** The object exceeds a configured bound (for example the size of its identifying header). */
  LimitExceeded: 'limit-exceeded',
} as const;

export type DicomErrorCode = (typeof DicomErrorCode)[keyof typeof DicomErrorCode];

/** A failure of the DICOM core with a code an edge can map and a message a person can act on. */
export class DicomError extends Error {
  constructor(
    readonly code: DicomErrorCode,
    message: string,
    /** Byte offset in the data set where the problem was found, when it has one. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'DicomError';
  }
}
