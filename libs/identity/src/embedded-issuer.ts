import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Adapter, AdapterPayload, KoaContextWithOIDC, Provider } from 'oidc-provider';
import { checkDevPassword, loadDevAccounts, type DevAccounts } from './dev-accounts';

export interface EmbeddedIssuerSettings {
  /** The issuer URL, as clients reach it; its path is where the provider is mounted. */
  readonly issuer: string;
  /** Where the signing keys and the accounts file live (created on first start, mode 0700). */
  readonly directory: string;
  readonly audience: string;
  readonly tenants: readonly string[];
  readonly accessTokenTtlSeconds: number;
  /** Told of every token request's outcome: a sign-in, successful or not (for the audit trail). */
  readonly onSignIn?: (attempt: SignInAttempt) => void;
}

/** One request to the token endpoint: who asked, from where, and whether they got a token. */
export interface SignInAttempt {
  /** The username of a password grant, else the client id (a service account). */
  readonly who: string;
  readonly grantType: string;
  readonly address?: string;
  readonly success: boolean;
  readonly reason?: string;
  /** The tenants of the account named, if it exists: whose trails the sign-in belongs to. */
  readonly tenants: readonly string[];
}

/** The claims the embedded provider puts in its access tokens; the verifier reads the same ones. */
export const EMBEDDED_CLAIMS = { rolesClaim: 'roles', tenantsClaim: 'tenants' } as const;

const SIGNING_KEYS_FILE = 'signing-keys.json';
/** The resource indicator (RFC 8707) under which Tessera's API is known to the provider. */
const RESOURCE = 'urn:tessera:api';
/** The public client for the resource owner password grant (command-line tools, tests). */
export const EMBEDDED_CLI_CLIENT = 'tessera-cli';

/**
 * The all-in-one mode's own OpenID provider (node-oidc-provider), so that Tessera needs nothing
 * else to start and still checks a token on every HTTP request. It issues RFC 9068 JWT access
 * tokens with `roles` and `tenants` claims, for
 * - people, with the resource owner password grant (RFC 6749 §4.3) through the public client
 *   `tessera-cli` — development only, which is why this provider is not offered for split roles;
 * - service accounts, with the client credentials grant (RFC 6749 §4.4).
 * Its RSA signing key is generated on first start and kept, so tokens survive a restart.
 */
export class EmbeddedIssuer {
  private constructor(
    readonly settings: EmbeddedIssuerSettings,
    readonly publicKeys: JSONWebKeySet,
    readonly accounts: DevAccounts,
    private readonly provider: Provider,
  ) {}

  static async open(settings: EmbeddedIssuerSettings): Promise<EmbeddedIssuer> {
    await mkdir(settings.directory, { recursive: true, mode: 0o700 });
    const privateKeys = await loadSigningKeys(settings.directory);
    const accounts = await loadDevAccounts(settings.directory, settings.tenants);
    const publicKeys = { keys: privateKeys.keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use }) as JWK) };
    const provider = await createProvider(settings, privateKeys, accounts);
    return new EmbeddedIssuer(settings, publicKeys, accounts, provider);
  }

  /** Verifies tokens with the provider's own public keys, without a round trip to itself. */
  keySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.publicKeys);
  }

  /** The path under which the provider's endpoints are served (the issuer URL's path). */
  get mountPath(): string {
    return new URL(this.settings.issuer).pathname.replace(/\/$/, '');
  }

  /** Serves one request addressed to the mount path (discovery, JWKS, token endpoint). */
  handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    (request as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    request.url = url.slice(this.mountPath.length) || '/';
    void this.provider.callback()(request, response);
  }
}

async function loadSigningKeys(directory: string): Promise<{ keys: JWK[] }> {
  const file = path.join(directory, SIGNING_KEYS_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as { keys: JWK[] };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: ${(err as Error).message}`);
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = { keys: [{ ...(privateKey.export({ format: 'jwk' }) as JWK), kid: randomUUID(), alg: 'RS256', use: 'sig' }] };
  await writeFile(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: 'wx' });
  return keys;
}

/**
 * Access tokens are self-contained JWTs, so the provider keeps nothing that must outlive the
 * process; this adapter keeps its short-lived artifacts in memory (and says nothing about it).
 */
class MemoryAdapter implements Adapter {
  private static readonly store = new Map<string, AdapterPayload>();
  constructor(private readonly model: string) {}
  private key(id: string): string {
    return `${this.model}:${id}`;
  }
  upsert(id: string, payload: AdapterPayload): Promise<void> {
    MemoryAdapter.store.set(this.key(id), payload);
    return Promise.resolve();
  }
  find(id: string): Promise<AdapterPayload | undefined> {
    return Promise.resolve(MemoryAdapter.store.get(this.key(id)));
  }
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
  consume(id: string): Promise<void> {
    const payload = MemoryAdapter.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    MemoryAdapter.store.delete(this.key(id));
    return Promise.resolve();
  }
  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}

async function createProvider(settings: EmbeddedIssuerSettings, privateKeys: { keys: JWK[] }, accounts: DevAccounts): Promise<Provider> {
  const oidc = await import('oidc-provider');
  const users = new Map(accounts.users.map((u) => [u.username, u]));
  const serviceAccounts = new Map(accounts.serviceAccounts.map((c) => [c.clientId, c]));
  const ttl = settings.accessTokenTtlSeconds;
  const resourceServer = { audience: settings.audience, accessTokenFormat: 'jwt' as const, accessTokenTTL: ttl, scope: 'openid', jwt: { sign: { alg: 'RS256' as const } } };
  const provider = new oidc.Provider(settings.issuer, {
    adapter: MemoryAdapter,
    clients: [
      { client_id: EMBEDDED_CLI_CLIENT, token_endpoint_auth_method: 'none', grant_types: ['password'], response_types: [], redirect_uris: [] },
      ...accounts.serviceAccounts.map((c) => ({ client_id: c.clientId, client_secret: c.clientSecret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] })),
    ],
    jwks: { keys: privateKeys.keys as never },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: { AccessToken: ttl, ClientCredentials: ttl },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        getResourceServerInfo: () => resourceServer,
        useGrantedResource: () => true,
      },
    },
    findAccount: (_ctx, sub) => (users.has(sub) ? { accountId: sub, claims: () => ({ sub, preferred_username: sub }) } : undefined),
    extraTokenClaims: (_ctx, token) => {
      const account = 'accountId' in token && typeof token.accountId === 'string' ? users.get(token.accountId) : serviceAccounts.get(token.clientId ?? '');
      return account ? { roles: [...account.roles], tenants: [...account.tenants], preferred_username: 'username' in account ? account.username : account.clientId } : {};
    },
  });
  const attempt = (ctx: KoaContextWithOIDC, success: boolean, reason?: string): void => {
    const params = (ctx.oidc?.params ?? {}) as { grant_type?: string; username?: string; client_id?: string };
    const who = params.username ?? ctx.oidc?.client?.clientId ?? params.client_id ?? 'unknown';
    settings.onSignIn?.({
      who,
      tenants: (params.username !== undefined ? users.get(who) : serviceAccounts.get(who))?.tenants ?? [],
      grantType: params.grant_type ?? 'unknown',
      address: ctx.ip,
      success,
      ...(reason !== undefined ? { reason } : {}),
    });
  };
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => attempt(ctx, true));
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error) => attempt(ctx, false, err.message));
  // RFC 6749 §4.3, for development accounts only: the user's password buys an access token.
  provider.registerGrantType(
    'password',
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as { username?: string; password?: string };
      const user = checkDevPassword(accounts.users, params.username ?? '', params.password ?? '');
      if (!user) throw new oidc.errors.InvalidGrant('wrong username or password');
      const token = new ctx.oidc.provider.AccessToken({ accountId: user.username, client: ctx.oidc.client as NonNullable<typeof ctx.oidc.client>, grantId: randomUUID(), gty: 'password' });
      token.resourceServer = new ctx.oidc.provider.ResourceServer(RESOURCE, resourceServer);
      ctx.body = { access_token: await token.save(), expires_in: token.expiration, token_type: 'Bearer' };
    },
    ['username', 'password'],
  );
  return provider;
}
