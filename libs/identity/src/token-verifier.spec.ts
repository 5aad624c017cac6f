import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { AuthenticationError, type AuthenticationFailure } from './authentication-error';
import { JwtTokenVerifier, remoteIssuerKeys, type JwtVerifierSettings } from './token-verifier';

const ISSUER = 'https://idp.example.org/realms/st-mary';
const settings: JwtVerifierSettings = { issuer: ISSUER, audience: 'tessera', rolesClaim: 'roles', tenantsClaim: 'tenants', clockToleranceSeconds: 30 };
const now = (): number => Math.floor(Date.now() / 1000);

let key: CryptoKey;
let otherKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

function sign(claims: JWTPayload, options: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ sub: 'u-17', preferred_username: 'dr.house', roles: ['radiologist'], tenants: ['st-mary'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? 'tessera')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 300);
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(options.key ?? key);
}

const verifier = (): JwtTokenVerifier => new JwtTokenVerifier(settings, createLocalJWKSet({ keys: [jwk] }));

async function failure(token: string, v = verifier()): Promise<AuthenticationFailure> {
  const err: unknown = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AuthenticationError)) throw new Error(`expected an AuthenticationError, got ${String(err)}`);
  return err.code;
}

describe('JwtTokenVerifier', () => {
  it('turns a valid token into its caller, keeping only the roles Tessera knows', async () => {
    const principal = await verifier().verify(await sign({ roles: ['radiologist', 'offline_access', 'technologist'], tenants: 'st-mary st-jude' }));
    expect(principal).toMatchObject({ subject: 'u-17', name: 'dr.house', issuer: ISSUER, roles: ['radiologist', 'technologist'], tenants: ['st-mary', 'st-jude'] });
  });

  it('reads roles from a nested claim (Keycloak realm roles)', async () => {
    const keycloak = new JwtTokenVerifier({ ...settings, rolesClaim: 'realm_access.roles' }, createLocalJWKSet({ keys: [jwk] }));
    const principal = await keycloak.verify(await sign({ roles: undefined, realm_access: { roles: ['admin'] } }));
    expect(principal.roles).toEqual(['admin']);
  });

  it.each<[string, () => Promise<string>, AuthenticationFailure]>([
    ['expired', () => sign({}, { exp: now() - 120 }), 'expired'],
    ['not yet valid', () => sign({}, { nbf: now() + 600 }), 'not-yet-valid'],
    ['from another issuer', () => sign({}, { iss: 'https://evil.example.org' }), 'wrong-issuer'],
    ['for another API', () => sign({}, { aud: 'billing' }), 'wrong-audience'],
    ['signed by a key that claims to be the issuer key', () => sign({}, { key: otherKey }), 'bad-signature'],
    ['signed by a key the issuer does not publish', () => sign({}, { key: otherKey, kid: 'k9' }), 'unknown-key'],
    ['without a subject', () => sign({ sub: undefined }), 'invalid-claims'],
    ['with roles that are not strings', () => sign({ roles: [1, 2] }), 'invalid-claims'],
    ['not a JWT at all', () => Promise.resolve('not-a-token'), 'malformed'],
  ])('refuses a token %s', async (_name, token, code) => {
    expect(await failure(await token())).toBe(code);
  });

  it('refuses a token signed with a shared secret (HS256), even one the attacker made up', async () => {
    const forged = await new SignJWT({ sub: 'x', roles: ['admin'], tenants: ['st-mary'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('tessera')
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode('a'.repeat(32)));
    expect(['bad-signature', 'unknown-key']).toContain(await failure(forged));
  });
});

describe('remoteIssuerKeys', () => {
  let server: Server;
  let base: string;
  let discoveryIssuer: string;
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/realm/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: discoveryIssuer, jwks_uri: `${base}/realm/certs` }));
      else if (req.url === '/realm/certs') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('finds the key set through OpenID Connect discovery, once', async () => {
    discoveryIssuer = `${base}/realm`;
    const remote = new JwtTokenVerifier({ ...settings, issuer: discoveryIssuer }, remoteIssuerKeys(discoveryIssuer));
    fetches = 0;
    await remote.verify(await sign({}, { iss: discoveryIssuer }));
    await remote.verify(await sign({}, { iss: discoveryIssuer }));
    expect(fetches).toBe(2); // discovery + JWKS, then cached
  });

  it('does not trust discovery metadata naming another issuer', async () => {
    const configured = `${base}/realm`;
    discoveryIssuer = 'https://elsewhere.example.org';
    const remote = new JwtTokenVerifier({ ...settings, issuer: configured }, remoteIssuerKeys(configured));
    expect(await failure(await sign({}, { iss: configured }), remote)).toBe('issuer-unreachable');
  });

  it('says the issuer is unreachable when it is', async () => {
    const gone = 'http://127.0.0.1:9/realm';
    const remote = new JwtTokenVerifier({ ...settings, issuer: gone }, remoteIssuerKeys(gone, undefined, 1000));
    expect(await failure(await sign({}, { iss: gone }), remote)).toBe('issuer-unreachable');
  });
});
