import { ROLES } from '@tessera/identity';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Keycloak } from './support/keycloak';
import { runPeer } from './support/python';
import { createBacking, startTessera, type Account, type Backing, type Tessera } from './support/tessera';

// docs/security.md §5 "Keycloak", done step by step through Keycloak's Admin REST API on a real
// Keycloak (the distribution scripts/infra/install.sh takes from Maven Central), and Tessera started
// against it with OIDC_ISSUER and OIDC_ROLES_CLAIM=realm_access.roles as the page says. One mode is
// enough: authentication is the same code in both (libs/identity, libs/platform/src/access).

const REALM = 'tessera';
const OTHER_REALM = 'elsewhere';
const TENANT = 'st-mary';
const OTHER_TENANT = 'st-luke';
const PATIENT_ID = 'KEYCLOAK-1';
const REDIRECT_URI = 'http://127.0.0.1:9/viewer/callback'; // never followed: the code is read off the redirect

/** What one realm's configuration hands out: the clients' secrets and the user's password. */
interface RealmSecrets {
  readonly integration: string;
  readonly shortLived: string;
  readonly withoutScope: string;
  readonly radiologistPassword: string;
}

const secret = (): string => randomBytes(18).toString('base64url');

/** docs/security.md §5 "Keycloak", steps 1-7, for one realm. */
async function configureRealm(kc: Keycloak, realm: string): Promise<RealmSecrets> {
  const api = kc.adminApi.bind(kc);
  const idOf = (res: { location: string | null }): string => (res.location ?? '').split('/').pop() as string;

  // 1. The realm.
  await api('POST', '', { realm, enabled: true });
  // 2. Realm roles named like Tessera's roles.
  for (const name of ROLES) await api('POST', `/${realm}/roles`, { name });
  // 3. The user profile declares `tenants`, multivalued, seen and changed by administrators only.
  // Keycloak (24+) keeps undeclared attributes only under an "unmanaged attributes" policy, and drops
  // them silently otherwise; and a user must not edit their own tenants.
  const profile = (await api('GET', `/${realm}/users/profile`)).body as { attributes: Record<string, unknown>[] };
  profile.attributes.push({ name: 'tenants', displayName: 'Tenants', multivalued: true, permissions: { view: ['admin'], edit: ['admin'] } });
  await api('PUT', `/${realm}/users/profile`, profile);
  // 4. The client scope `tessera`: an Audience mapper and a User Attribute mapper for `tenants`.
  const scope = idOf(
    await api('POST', `/${realm}/client-scopes`, {
      name: 'tessera',
      protocol: 'openid-connect',
      attributes: { 'include.in.token.scope': 'true' },
      protocolMappers: [
        {
          name: 'tessera audience',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-audience-mapper',
          config: { 'included.custom.audience': 'tessera', 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
        },
        {
          name: 'tenants',
          protocol: 'openid-connect',
          protocolMapper: 'oidc-usermodel-attribute-mapper',
          config: { 'user.attribute': 'tenants', 'claim.name': 'tenants', 'jsonType.label': 'String', multivalued: 'true', 'access.token.claim': 'true', 'id.token.claim': 'false', 'introspection.token.claim': 'true' },
        },
      ],
    }),
  );
  const role = async (name: string): Promise<unknown> => (await api('GET', `/${realm}/roles/${name}`)).body;

  /** A client; with the `tessera` scope as a default scope (step 4) unless told otherwise. */
  const client = async (representation: Record<string, unknown>, withScope = true): Promise<string> => {
    const id = idOf(await api('POST', `/${realm}/clients`, { protocol: 'openid-connect', ...representation }));
    if (withScope) await api('PUT', `/${realm}/clients/${id}/default-client-scopes/${scope}`);
    return id;
  };
  // 5. A person: the realm role and the `tenants` attribute.
  const radiologistPassword = secret();
  const user = idOf(
    await api('POST', `/${realm}/users`, {
      username: 'radiologist',
      enabled: true,
      email: 'radiologist@st-mary.example',
      emailVerified: true,
      firstName: 'Rosalind',
      lastName: 'Radiologist',
      attributes: { tenants: [TENANT] },
      credentials: [{ type: 'password', value: radiologistPassword, temporary: false }],
    }),
  );
  await api('POST', `/${realm}/users/${user}/role-mappings/realm`, [await role('radiologist')]);

  /** 6. A system: a confidential client whose service account has `integration` and a tenant. */
  const system = async (clientId: string, attributes: Record<string, string> = {}, withScope = true): Promise<string> => {
    const clientSecret = secret();
    const id = await client({ clientId, publicClient: false, secret: clientSecret, serviceAccountsEnabled: true, standardFlowEnabled: false, directAccessGrantsEnabled: false, attributes }, withScope);
    const account = (await api('GET', `/${realm}/clients/${id}/service-account-user`)).body as { id: string } & Record<string, unknown>;
    await api('POST', `/${realm}/users/${account.id}/role-mappings/realm`, [await role('integration')]);
    await api('PUT', `/${realm}/users/${account.id}`, { ...account, attributes: { tenants: [TENANT] } });
    return clientSecret;
  };
  const integration = await system('ris');
  // The same system with one-second access tokens (the client's "Access Token Lifespan").
  const shortLived = await system('ris-short-lived', { 'access.token.lifespan': '1' });
  // A client that was not given the `tessera` scope: its tokens are not meant for Tessera.
  const withoutScope = await system('billing', {}, false);

  // 7. A viewer: a public client, authorization code flow with PKCE (S256 required).
  await client({ clientId: 'viewer', publicClient: true, standardFlowEnabled: true, directAccessGrantsEnabled: false, redirectUris: [REDIRECT_URI], webOrigins: ['+'], attributes: { 'pkce.code.challenge.method': 'S256' } });
  return { integration, shortLived, withoutScope, radiologistPassword };
}

/** The authorization request (RFC 6749 §4.1.1) with a PKCE challenge (RFC 7636 §4.3) when given one. */
function authorizationUrl(kc: Keycloak, realm: string, state: string, challenge?: string): URL {
  const url = new URL(`${kc.issuer(realm)}/protocol/openid-connect/auth`);
  url.search = new URLSearchParams({ client_id: 'viewer', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state, ...(challenge ? { code_challenge: challenge, code_challenge_method: 'S256' } : {}) }).toString();
  return url;
}

/**
 * The authorization code flow with PKCE as a browser runs it (RFC 6749 §4.1, RFC 7636): Keycloak's
 * login page, its form posted with the session cookies, the code read off the redirect to the
 * viewer, and exchanged with the verifier.
 */
async function signInAsViewer(kc: Keycloak, realm: string, username: string, password: string): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(12).toString('hex');
  const page = await fetch(authorizationUrl(kc, realm, state, challenge), { redirect: 'manual' });
  const html = await page.text();
  expect(page.status).toBe(200);
  const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html)?.[1] ?? /<form[^>]*action="([^"]+)"[^>]*id="kc-form-login"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no login form on Keycloak's page:\n${html.slice(0, 2000)}`);
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const login = await fetch(action.replaceAll('&amp;', '&'), {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie },
    body: new URLSearchParams({ username, password, credentialId: '' }),
  });
  if (login.status !== 302) throw new Error(`Keycloak answered the login with ${login.status}, not a redirect to the viewer:\n${(await login.text()).slice(0, 2000)}`);
  const back = new URL(login.headers.get('location') ?? '');
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  expect(back.searchParams.get('state')).toBe(state);
  return kc.token(realm, { grant_type: 'authorization_code', client_id: 'viewer', code: back.searchParams.get('code') ?? '', redirect_uri: REDIRECT_URI, code_verifier: verifier });
}

const clientCredentials = (kc: Keycloak, realm: string, clientId: string, clientSecret: string): Promise<string> =>
  kc.token(realm, { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });

describe('Tessera behind a real Keycloak, configured as docs/security.md §5 says', () => {
  let keycloak: Keycloak;
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let secrets: RealmSecrets;
  let otherSecrets: RealmSecrets;
  let viewerToken: string;
  let stored: { http: number }[];
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `keycloak-${process.pid}`);

  const qido = (tenant: string, token: string): Promise<Response> => fetch(`${tessera.dicomwebOf(tenant)}/studies?PatientID=${PATIENT_ID}`, { headers: { Authorization: `Bearer ${token}` } });
  const challenge = (res: Response): string => res.headers.get('www-authenticate') ?? '';

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 2, { rows: 16, columns: 16, patientId: PATIENT_ID });
    keycloak = await Keycloak.start('keycloak');
    const tokens: Partial<Record<Account, () => Promise<string>>> = {
      radiologist: async () => viewerToken,
      integration: () => clientCredentials(keycloak, REALM, 'ris', secrets.integration),
    };
    // Tessera starts while Keycloak is being configured: it fetches the issuer's keys on the first token.
    const started = async (): Promise<void> => {
      backing = await createBacking('all-in-one', 'keycloak');
      tessera = await startTessera(
        'keycloak',
        // No clock leeway: the expiry test waits for a one-second token to expire, not for 31 s.
        { ...backing.env, TESSERA_TENANTS: `${TENANT},${OTHER_TENANT}`, OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_CLOCK_TOLERANCE_S: '0' },
        undefined,
        {
          trusting: {
            issuer: keycloak.issuer(REALM),
            token: (account) => {
              const get = tokens[account];
              if (!get) throw new Error(`no Keycloak account for ${account} in this spec`);
              return get();
            },
          },
        },
      );
    };
    // allSettled, so that afterAll never runs while a Tessera is still starting.
    const [realm, otherRealm, tesseraStarted] = await Promise.allSettled([configureRealm(keycloak, REALM), configureRealm(keycloak, OTHER_REALM), started()]);
    for (const outcome of [realm, otherRealm, tesseraStarted]) if (outcome.status === 'rejected') throw outcome.reason;
    secrets = (realm as PromiseFulfilledResult<RealmSecrets>).value;
    otherSecrets = (otherRealm as PromiseFulfilledResult<RealmSecrets>).value;
    viewerToken = await signInAsViewer(keycloak, REALM, 'radiologist', secrets.radiologistPassword);
    // The RIS stores a study over STOW-RS (dicomweb-client) with its service account's token.
    const token = await tessera.token('integration');
    stored = await runPeer<{ http: number }[]>('dicomweb_peer.py', ['stow'], study.files.map((f) => ({ path: f, base: tessera.dicomwebOf(TENANT), token })));
  });

  afterAll(async () => {
    await tessera?.stop();
    await keycloak?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the tenants attribute that the user profile declares, and silently drops one it does not', async () => {
    const user = async (username: string): Promise<{ attributes?: Record<string, string[]> } | undefined> =>
      ((await keycloak.adminApi('GET', `/${REALM}/users?username=${username}&exact=true`)).body as { attributes?: Record<string, string[]> }[])[0];
    expect((await user('radiologist'))?.attributes?.tenants).toEqual([TENANT]);
    // What happens to `tenants` without step 3: Keycloak answers 201 and keeps nothing.
    await keycloak.adminApi('POST', `/${REALM}/users`, { username: 'undeclared', enabled: true, attributes: { hospitals: [TENANT] } });
    expect((await user('undeclared'))?.attributes?.hospitals).toBeUndefined();
  });

  it('issues access tokens of the shape Tessera reads', async () => {
    const person = decodeJwt(viewerToken);
    // typ JWT, not RFC 9068's at+jwt: Tessera does not ask for it.
    expect(decodeProtectedHeader(viewerToken)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(person).toMatchObject({ iss: keycloak.issuer(REALM), azp: 'viewer', preferred_username: 'radiologist', tenants: [TENANT] });
    expect((person.realm_access as { roles: string[] }).roles).toContain('radiologist');
    expect([person.aud].flat()).toContain('tessera');
    const system = decodeJwt(await tessera.token('integration'));
    expect(system).toMatchObject({ iss: keycloak.issuer(REALM), azp: 'ris', tenants: [TENANT] });
    expect((system.realm_access as { roles: string[] }).roles).toContain('integration');
    expect([system.aud].flat()).toContain('tessera');
  });

  it('lets a viewer signed in with the code flow and PKCE search its hospital, and only its hospital', async () => {
    const own = await qido(TENANT, viewerToken);
    expect(own.status).toBe(200);
    expect((await own.json()) as unknown[]).toHaveLength(1);
    for (const tenant of [OTHER_TENANT, 'default']) {
      const other = await qido(tenant, viewerToken);
      expect(other.status).toBe(403);
      expect(await other.text()).not.toContain(PATIENT_ID);
    }
  });

  it('refuses, as the viewer client requires, an authorization request without PKCE', async () => {
    const res = await fetch(authorizationUrl(keycloak, REALM, 'no-pkce'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const back = new URL(res.headers.get('location') ?? '');
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it("lets the integration service account (client credentials) store over STOW-RS and read, and nothing its role does not grant", async () => {
    expect(stored.map((r) => r.http)).toEqual([200, 200]);
    const token = await tessera.token('integration');
    const res = await qido(TENANT, token);
    expect(res.status).toBe(200);
    expect((await res.json()) as unknown[]).toHaveLength(1);
    const audit = await fetch(`${tessera.baseUrl}/admin/tenants/${TENANT}/audit-records`, { headers: { Authorization: `Bearer ${token}` } });
    expect(audit.status).toBe(403);
    expect(challenge(audit)).toContain('insufficient_scope');
  });

  it('refuses a Keycloak token of a client without the tessera scope (no audience)', async () => {
    const token = await clientCredentials(keycloak, REALM, 'billing', secrets.withoutScope);
    expect([decodeJwt(token).aud].flat()).not.toContain('tessera');
    const res = await qido(TENANT, token);
    expect(res.status).toBe(401);
    expect(challenge(res)).toContain('audience');
  });

  it('refuses a Keycloak token once it has expired', async () => {
    const token = await clientCredentials(keycloak, REALM, 'ris-short-lived', secrets.shortLived);
    const { exp, iat } = decodeJwt(token);
    expect((exp ?? 0) - (iat ?? 0)).toBe(1);
    await expectEventually(
      async () => {
        const res = await qido(TENANT, token);
        expect(res.status).toBe(401);
        expect(challenge(res)).toContain('expired');
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
  });

  it('refuses a Keycloak token whose payload was changed, and one that is not a JWT', async () => {
    const [header, payload, signature] = viewerToken.split('.') as [string, string, string];
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(viewerToken), tenants: [TENANT, OTHER_TENANT] })).toString('base64url');
    expect(payload).not.toBe(widened);
    for (const token of [`${header}.${widened}.${signature}`, 'not-a-token']) {
      const res = await qido(OTHER_TENANT, token);
      expect(res.status).toBe(401);
      expect(challenge(res)).toContain('invalid_token');
    }
  });

  it('refuses a token of another realm of the same Keycloak, configured the same way', async () => {
    const token = await clientCredentials(keycloak, OTHER_REALM, 'ris', otherSecrets.integration);
    expect(decodeJwt(token)).toMatchObject({ iss: keycloak.issuer(OTHER_REALM), tenants: [TENANT] });
    const res = await qido(TENANT, token);
    expect(res.status).toBe(401);
    expect(challenge(res)).toContain('invalid_token');
  });

  it('does not let a user add a tenant to themselves through the account API', async () => {
    const account = `${keycloak.issuer(REALM)}/account`;
    const headers = { Authorization: `Bearer ${viewerToken}`, 'Content-Type': 'application/json' };
    const mine = await fetch(account, { headers });
    expect(mine.status).toBe(200);
    const me = (await mine.json()) as Record<string, unknown>;
    const res = await fetch(account, { method: 'POST', headers, body: JSON.stringify({ ...me, attributes: { tenants: [TENANT, OTHER_TENANT] } }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'tenants', errorMessage: 'error-user-attribute-read-only' });
    const [user] = (await keycloak.adminApi('GET', `/${REALM}/users?username=radiologist&exact=true`)).body as { attributes?: Record<string, string[]> }[];
    expect(user?.attributes?.tenants).toEqual([TENANT]);
  });
});
