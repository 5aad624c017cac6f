import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isRole, ROLES, type Role } from './roles';

/** A person who can sign in to the embedded provider (all-in-one mode only). */
export interface DevUser {
  readonly username: string;
  readonly password: string;
  readonly roles: readonly Role[];
  readonly tenants: readonly string[];
}

/** A service account (OAuth 2.0 client credentials grant, RFC 6749 §4.4), e.g. a RIS or an AI node. */
export interface DevServiceAccount {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly roles: readonly Role[];
  readonly tenants: readonly string[];
}

export interface DevAccounts {
  readonly users: readonly DevUser[];
  readonly serviceAccounts: readonly DevServiceAccount[];
}

export const DEV_ACCOUNTS_FILE = 'dev-accounts.json';

const secret = (): string => randomBytes(18).toString('base64url');

/**
 * The embedded provider's accounts, from `<directory>/dev-accounts.json`. On first start the file
 * is written with one user per human role (named after the role) and one `integration` service
 * account, each in every tenant, each with a password generated for this installation: there are
 * no default passwords. The operator may edit the file (and restart) to add or change accounts.
 */
export async function loadDevAccounts(directory: string, tenants: readonly string[]): Promise<DevAccounts> {
  const file = path.join(directory, DEV_ACCOUNTS_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) return parseDevAccounts(text, file);
  const accounts: DevAccounts = {
    users: ROLES.filter((role) => role !== 'integration').map((role) => ({ username: role, password: secret(), roles: [role], tenants: [...tenants] })),
    serviceAccounts: [{ clientId: 'integration', clientSecret: secret(), roles: ['integration'], tenants: [...tenants] }],
  };
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return accounts;
}

function parseDevAccounts(text: string, file: string): DevAccounts {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  const root = raw as { users?: unknown; serviceAccounts?: unknown };
  const list = (value: unknown, name: string): Record<string, unknown>[] => (Array.isArray(value) ? (value as Record<string, unknown>[]) : fail(`${name} must be a list`));
  const text_ = (entry: Record<string, unknown>, key: string): string => (typeof entry[key] === 'string' && entry[key] !== '' ? entry[key] : fail(`every entry needs a non-empty "${key}"`));
  const strings = (entry: Record<string, unknown>, key: string): string[] =>
    Array.isArray(entry[key]) && entry[key].every((v) => typeof v === 'string') ? (entry[key] as string[]) : fail(`"${key}" must be a list of strings`);
  const roles = (entry: Record<string, unknown>): Role[] =>
    strings(entry, 'roles').map((r) => (isRole(r) ? r : fail(`unknown role "${r}" (known: ${ROLES.join(', ')})`)));
  return {
    users: list(root.users, 'users').map((u) => ({ username: text_(u, 'username'), password: text_(u, 'password'), roles: roles(u), tenants: strings(u, 'tenants') })),
    serviceAccounts: list(root.serviceAccounts, 'serviceAccounts').map((c) => ({ clientId: text_(c, 'clientId'), clientSecret: text_(c, 'clientSecret'), roles: roles(c), tenants: strings(c, 'tenants') })),
  };
}

/**
 * The development user with this username and password, or undefined. The comparison runs for
 * unknown usernames too, so that timing does not tell which usernames exist.
 */
export function checkDevPassword(users: readonly DevUser[], username: string, password: string): DevUser | undefined {
  const user = users.find((u) => u.username === username);
  const matches = sameSecret(password, user?.password ?? '\u0000'.repeat(password.length));
  return user && matches ? user : undefined;
}

/** Compares secrets in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
