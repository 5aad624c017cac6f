/** Why encapsulated pixel data could not be decoded. Each edge maps these to its protocol. */
export const CodecErrorCode = {
  /** No decoder for the transfer syntax. */
  UnsupportedTransferSyntax: 'unsupported-transfer-syntax',
  /** The transfer syntax is decodable, but not with these pixel attributes (for example 12-bit JPEG). */
  UnsupportedImage: 'unsupported-image',
  /** An attribute of the Image Pixel Module needed to decode is missing or invalid (PS3.3 C.7.6.3). */
  MissingAttribute: 'missing-attribute',
  /** A frame's bytes are not a valid code stream, or decode to something other than the attributes say. */
  CorruptFrame: 'corrupt-frame',
  /** The encapsulated Pixel Data holds another number of frames than Number of Frames says. */
  FrameCountMismatch: 'frame-count-mismatch',
  /** The decoded object would exceed a bound of the native encoding or of the decoder's memory. */
  LimitExceeded: 'limit-exceeded',
} as const;

export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

/** A decoding failure with a code an edge can map and a message a person can act on. */
export class CodecError extends Error {
  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}
