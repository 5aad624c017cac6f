/** Why a bearer token was not accepted (RFC 6750 3.1: each is an `invalid_token`). */
export const AUTHENTICATION_FAILURES = [
  'malformed',
  'expired',
  'not-yet-valid',
  'wrong-issuer',
  'wrong-audience',
  'bad-signature',
  'unknown-key',
  'issuer-unreachable',
  'invalid-claims',
] as const;
export type AuthenticationFailure = (typeof AUTHENTICATION_FAILURES)[number];

export class AuthenticationError extends Error {
  constructor(
    readonly code: AuthenticationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}
