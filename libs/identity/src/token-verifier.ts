import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from './authentication-error';
import { principalOf, type ClaimPaths } from './claims';
import type { Principal } from './principal';

/** The port: a bearer token in, the caller out, or an AuthenticationError saying why not. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface JwtVerifierSettings extends ClaimPaths {
  /** The `iss` every token must carry, exactly (OpenID Connect Discovery 1.0 §4.3). */
  readonly issuer: string;
  /** The `aud` every token must include: tokens minted for another API are refused (RFC 9068 §4). */
  readonly audience: string;
  /** Leeway for clocks that disagree, on exp and nbf. */
  readonly clockToleranceSeconds: number;
}

// Asymmetric algorithms only: a shared-secret (HS*) token could be minted by anyone holding the secret.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Checks JWTs (signature, iss, aud, exp, nbf) against an issuer's key set. */
export class JwtTokenVerifier implements TokenVerifier {
  constructor(
    private readonly settings: JwtVerifierSettings,
    private readonly keys: JWTVerifyGetKey,
  ) {}

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSeconds,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
      });
      return principalOf(payload, this.settings);
    } catch (err) {
      throw asAuthenticationError(err);
    }
  }
}

function asAuthenticationError(err: unknown): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof errors.JWTExpired) return new AuthenticationError('expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return new AuthenticationError('wrong-issuer', 'the token was not issued by the trusted issuer');
      case 'aud':
        return new AuthenticationError('wrong-audience', 'the token is not meant for this server (audience)');
      case 'nbf':
        return new AuthenticationError('not-yet-valid', 'the token is not valid yet (nbf)');
      default:
        return new AuthenticationError('invalid-claims', `the token's ${err.claim} claim is invalid`);
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthenticationError('unknown-key', "the token is not signed with any of the issuer's keys");
  if (err instanceof errors.JWSSignatureVerificationFailed) return new AuthenticationError('bad-signature', 'the token signature does not verify');
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthenticationError('bad-signature', 'the token is signed with an algorithm this server does not accept');
  if (err instanceof errors.JWKSTimeout || err instanceof IssuerUnreachable) return new AuthenticationError('issuer-unreachable', "the issuer's keys could not be fetched");
  if (err instanceof errors.JOSEError) return new AuthenticationError('malformed', 'the token is not a well-formed signed JWT');
  if (err instanceof TypeError) return new AuthenticationError('issuer-unreachable', "the issuer's keys could not be fetched");
  return new AuthenticationError('malformed', 'the token could not be read');
}

class IssuerUnreachable extends Error {}

/**
 * The key set of an external issuer: its JWKS URL from OpenID Connect Discovery 1.0 §4 (unless
 * given), fetched on first use, cached, and fetched again when a token names a key it has not seen
 * (key rotation) — at most once per cooldown, so a flood of bad tokens cannot hammer the issuer.
 */
export function remoteIssuerKeys(issuer: string, jwksUrl?: string, timeoutMs = 5000): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    if (jwksUrl !== undefined) return createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: timeoutMs });
    const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(timeoutMs) }).catch((err: Error) => {
      throw new IssuerUnreachable(err.message);
    });
    if (!response.ok) throw new IssuerUnreachable(`discovery answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // Discovery §4.3: the issuer in the metadata must be exactly the one configured.
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') throw new IssuerUnreachable('discovery metadata does not match the configured issuer');
    return createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: timeoutMs });
  };
  return async (header, token) => {
    keys ??= discover().catch((err: unknown) => {
      keys = undefined; // try discovery again on the next token
      throw err;
    });
    return (await keys)(header, token);
  };
}
