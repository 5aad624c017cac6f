import type { JWTPayload } from 'jose';
import { AuthenticationError } from './authentication-error';
import type { Principal } from './principal';
import { isRole, type Role } from './roles';

/** Where in a token the roles and tenants are: a claim name, or a dotted path (`realm_access.roles`, Keycloak). */
export interface ClaimPaths {
  readonly rolesClaim: string;
  readonly tenantsClaim: string;
}

function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A claim holding a list: a JSON array of strings, or one space-separated string (as `scope` is). */
function stringList(value: unknown, name: string): readonly string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new AuthenticationError('invalid-claims', `the ${name} claim is neither a string nor a list of strings`);
}

/** The caller a verified token describes. */
export function principalOf(payload: JWTPayload, paths: ClaimPaths): Principal {
  if (typeof payload.sub !== 'string' || payload.sub === '') throw new AuthenticationError('invalid-claims', 'the token has no subject (sub)');
  if (typeof payload.exp !== 'number') throw new AuthenticationError('invalid-claims', 'the token has no expiry (exp)');
  const roles = stringList(claimAt(payload, paths.rolesClaim), paths.rolesClaim).filter(isRole) as Role[];
  const tenants = stringList(claimAt(payload, paths.tenantsClaim), paths.tenantsClaim);
  const username = payload['preferred_username'];
  return {
    subject: payload.sub,
    name: typeof username === 'string' && username !== '' ? username : payload.sub,
    issuer: payload.iss ?? '',
    roles: [...new Set(roles)],
    tenants: [...new Set(tenants)],
    expiresAt: payload.exp,
  };
}
