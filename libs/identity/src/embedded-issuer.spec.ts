import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tessera/testing';
import { DEV_ACCOUNTS_FILE, type DevAccounts } from './dev-accounts';
import { EMBEDDED_CLAIMS, EMBEDDED_CLI_CLIENT, EmbeddedIssuer } from './embedded-issuer';
import { ROLES } from './roles';
import { JwtTokenVerifier } from './token-verifier';

describe('EmbeddedIssuer', () => {
  let directory: string;
  let issuer: EmbeddedIssuer;
  let server: Server;
  let issuerUrl: string;

  const serve = async (port: number): Promise<void> => {
    issuer = await EmbeddedIssuer.open({ issuer: issuerUrl, directory, audience: 'tessera', tenants: ['st-mary', 'st-jude'], accessTokenTtlSeconds: 600 });
    server = createServer((req, res) => (req.url?.startsWith(issuer.mountPath) ? issuer.handle(req, res) : res.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };
  const stop = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  const verifier = (): JwtTokenVerifier => new JwtTokenVerifier({ issuer: issuerUrl, audience: 'tessera', clockToleranceSeconds: 0, ...EMBEDDED_CLAIMS }, issuer.keySet());
  const token = async (form: Record<string, string>, basic?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${issuerUrl}/token`, { method: 'POST', body: new URLSearchParams(form), ...(basic ? { headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } } : {}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const accounts = async (): Promise<DevAccounts> => JSON.parse(await readFile(path.join(directory, DEV_ACCOUNTS_FILE), 'utf8')) as DevAccounts;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'tessera-oidc-'));
    const port = await freePort();
    issuerUrl = `http://127.0.0.1:${port}/oidc`;
    await serve(port);
  });
  afterAll(async () => {
    await stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('creates one account per human role and a service account, with generated secrets, readable only by its owner', async () => {
    const { users, serviceAccounts } = await accounts();
    expect(users.map((u) => u.username)).toEqual(ROLES.filter((r) => r !== 'integration'));
    expect(serviceAccounts.map((c) => c.clientId)).toEqual(['integration']);
    const secrets = [...users.map((u) => u.password), ...serviceAccounts.map((c) => c.clientSecret)];
    expect(new Set(secrets).size).toBe(secrets.length);
    for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(24);
    expect((await stat(path.join(directory, DEV_ACCOUNTS_FILE))).mode & 0o077).toBe(0);
    expect((await stat(path.join(directory, 'signing-keys.json'))).mode & 0o077).toBe(0);
  });

  it('publishes its discovery document and keys at the issuer URL', async () => {
    const discovery = (await (await fetch(`${issuerUrl}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: issuerUrl, token_endpoint: `${issuerUrl}/token`, jwks_uri: `${issuerUrl}/jwks` });
    const jwks = (await (await fetch(`${issuerUrl}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d'); // never the private part
  });

  it('gives a user who knows the password a JWT access token with their roles and tenants', async () => {
    const user = (await accounts()).users.find((u) => u.username === 'radiologist');
    const { status, body } = await token({ grant_type: 'password', client_id: EMBEDDED_CLI_CLIENT, username: 'radiologist', password: user?.password ?? '' });
    expect(status).toBe(200);
    const principal = await verifier().verify(body.access_token as string);
    expect(principal).toMatchObject({ subject: 'radiologist', name: 'radiologist', roles: ['radiologist'], tenants: ['st-mary', 'st-jude'] });
  });

  it('refuses a wrong password and an unknown user alike', async () => {
    for (const [username, password] of [
      ['radiologist', 'guess'],
      ['nobody', 'guess'],
    ] as const) {
      const { status, body } = await token({ grant_type: 'password', client_id: EMBEDDED_CLI_CLIENT, username, password });
      expect(status).toBe(400);
      expect(body.error).toBe('invalid_grant');
    }
  });

  it('gives a service account a token for its client credentials, and nothing for a wrong secret', async () => {
    const account = (await accounts()).serviceAccounts[0];
    const granted = await token({ grant_type: 'client_credentials' }, `integration:${account?.clientSecret ?? ''}`);
    expect(granted.status).toBe(200);
    expect(await verifier().verify(granted.body.access_token as string)).toMatchObject({ subject: 'integration', roles: ['integration'] });
    expect((await token({ grant_type: 'client_credentials' }, 'integration:wrong')).status).toBe(401);
  });

  it('keeps its key and accounts across a restart, so issued tokens stay valid', async () => {
    const user = (await accounts()).users.find((u) => u.username === 'technologist');
    const before = (await token({ grant_type: 'password', client_id: EMBEDDED_CLI_CLIENT, username: 'technologist', password: user?.password ?? '' })).body.access_token as string;
    const port = Number(new URL(issuerUrl).port);
    await stop();
    await serve(port);
    expect((await verifier().verify(before)).roles).toEqual(['technologist']);
    expect((await accounts()).users.find((u) => u.username === 'technologist')?.password).toBe(user?.password);
  });
});
