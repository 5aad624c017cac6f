/** Why a rendered representation could not be made. Each edge maps these to its protocol. */
export const RenderErrorCode = {
  /** A query parameter is malformed or out of range (HTTP 400). */
  BadParameter: 'bad-parameter',
  /** None of the accepted media types is one Tessera renders (HTTP 406). */
  NotAcceptable: 'not-acceptable',
  /** The object or frame exists but is not an image Tessera can render (HTTP 406, PS3.18 8.7.4). */
  NotRenderable: 'not-renderable',
} as const;

export type RenderErrorCode = (typeof RenderErrorCode)[keyof typeof RenderErrorCode];

/** A rendering failure with a code an edge can map and a message a person can act on. */
export class RenderError extends Error {
  constructor(
    readonly code: RenderErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}
