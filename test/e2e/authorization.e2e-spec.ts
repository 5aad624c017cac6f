import { DimseStatus } from '@tessera/dicom';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Permission, type Role } from '@tessera/identity';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { routeTable, type Route } from '../../apps/tessera/src/route-table';
import { storescu } from './support/dcmtk';
import { createBacking, MODES, startTessera, type Account, type Backing, type Tessera } from './support/tessera';

// Issue 6: every route x {no token, malformed, expired, wrong issuer, wrong audience, wrong tenant,
// insufficient role} is refused with 401/403 and no patient data; a role with the permission gets
// through. The routes come from the launcher's own route table, so a new route joins the matrix.

const PATIENT_ID = 'MATRIX-7';
const PATIENT_NAME = 'Synthetic^Patient';
const AE = 'MATRIX_AE';

/** A role that lacks the permission (every permission has one). */
const lacking = (permission: Permission): Role => ROLES.find((r) => !ROLE_PERMISSIONS[r].includes(permission)) as Role;
/** A role that has it. */
const having = (permission: Permission): Role => ROLES.find((r) => ROLE_PERMISSIONS[r].includes(permission)) as Role;

interface Call {
  readonly route: Route;
  readonly url: string;
  readonly init: RequestInit;
}

describe.each(MODES)('the authorisation matrix over every HTTP route, %s', (mode) => {
  let backing: Backing;
  let issuerBacking: Backing | undefined;
  let issuer: Tessera | undefined;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let signingKey: { key: CryptoKey | Uint8Array; kid: string };
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `authorization-${mode}-${process.pid}`);
  const now = (): number => Math.floor(Date.now() / 1000);

  /** A token signed with the issuer's real key (so only the claim under test is wrong). */
  const mint = (claims: Record<string, unknown>, options: { iss?: string; aud?: string; exp?: number; key?: { key: CryptoKey | Uint8Array; kid: string } } = {}): Promise<string> => {
    const key = options.key ?? signingKey;
    return new SignJWT({ sub: 'minted', roles: [...ROLES], tenants: ['default', 'st-mary'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(options.iss ?? tessera.issuer)
      .setAudience(options.aud ?? 'tessera')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? now() + 600)
      .sign(key.key);
  };

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 2, { rows: 16, columns: 16, patientId: PATIENT_ID });
    backing = await createBacking(mode, 'authorization');
    const tenants = { TESSERA_TENANTS: 'default,st-mary' };
    if (mode === 'distributed') {
      // Distributed: an external issuer, found by discovery over HTTP (here another Tessera's provider).
      issuerBacking = await createBacking('all-in-one', 'authorization-issuer');
      issuer = await startTessera('authorization-issuer', { ...issuerBacking.env, ...tenants });
    }
    tessera = await startTessera(`authorization-${mode}`, { ...backing.env, ...tenants }, undefined, issuer ? { trusting: issuer } : {});
    const jwk = (JSON.parse(fs.readFileSync(path.join(tessera.oidcDir, 'signing-keys.json'), 'utf8')) as { keys: JWK[] }).keys[0] as JWK;
    signingKey = { key: (await importJWK(jwk, 'RS256')) as CryptoKey, kid: jwk.kid as string };
    const outcomes = await storescu(tessera.dimsePort, 'TESSERA', study.files);
    expect(outcomes.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/studies?PatientID=${PATIENT_ID}`);
      expect(await res.json()).toHaveLength(1);
    }, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await issuer?.stop();
    await backing?.cleanup();
    await issuerBacking?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A concrete request for a route: its parameters filled with what exists, a body where one is needed. */
  const callOf = (route: Route): Call => {
    const sop = path.basename(study.files[0] as string, '.dcm');
    const values: Record<string, string> = {
      study: study.studyInstanceUID,
      series: study.seriesInstanceUID,
      instance: sop,
      range: '7fe00010',
      tenant: 'default',
      aeTitle: AE,
      transactionUID: '2.25.1234',
      step: 'SPS-1',
      grant: '00000000-0000-4000-8000-000000000000',
      id: '1',
      patient: 'PAT-1',
    };
    const url = `${tessera.baseUrl}${route.path.replace(/:(\w+)/g, (_, name: string) => values[name] ?? name).replace('*', '.well-known/openid-configuration')}`;
    const body =
      route.path.includes('application-entities') && route.method === 'PUT'
        ? { body: JSON.stringify({ host: '127.0.0.1', port: 104 }), headers: { 'content-type': 'application/json' } }
        : route.method === 'POST' || route.method === 'PUT'
          ? { body: '{}', headers: { 'content-type': 'application/dicom+json' } }
          : {};
    return { route, url, init: { method: route.method, ...body } };
  };

  const protectedCalls = (): Call[] => routeTable().filter((r) => r.requirement !== 'public').map(callOf);

  const expectRefused = async (call: Call, authorization: string | undefined, status: 401 | 403): Promise<void> => {
    const headers = new Headers(call.init.headers);
    if (authorization !== undefined) headers.set('Authorization', authorization);
    const res = await fetch(call.url, { ...call.init, headers });
    const text = await res.text();
    expect({ route: `${call.route.method} ${call.route.path}`, status: res.status }).toEqual({ route: `${call.route.method} ${call.route.path}`, status });
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tessera"/);
    // No patient data, not even a UID, in a refusal.
    for (const secret of [PATIENT_ID, PATIENT_NAME, study.studyInstanceUID]) expect(text).not.toContain(secret);
  };

  it('covers every route of the launcher, and every permission', () => {
    const calls = protectedCalls();
    expect(calls.length).toBeGreaterThan(20);
    expect(new Set(calls.map((c) => c.route.requirement))).toEqual(new Set(PERMISSIONS));
  });

  it('answers 401 without a token, or with a malformed, expired, foreign or misaddressed one', async () => {
    const stranger = await generateKeyPair('RS256');
    const tokens: Record<string, string | undefined> = {
      none: undefined,
      basic: 'Basic YWRtaW46YWRtaW4=',
      malformed: 'Bearer not.a.jwt',
      expired: `Bearer ${await mint({}, { exp: now() - 3600 })}`,
      'wrong issuer': `Bearer ${await mint({}, { iss: 'https://elsewhere.example.org/oidc', key: { key: stranger.privateKey, kid: signingKey.kid } })}`,
      'wrong audience': `Bearer ${await mint({}, { aud: 'billing' })}`,
    };
    for (const call of protectedCalls()) {
      for (const authorization of Object.values(tokens)) await expectRefused(call, authorization, 401);
    }
  });

  it('answers 403 to a caller of another tenant, and to one whose role lacks the permission', async () => {
    const otherTenant = `Bearer ${await mint({ tenants: ['st-mary'] })}`;
    for (const call of protectedCalls()) {
      await expectRefused(call, otherTenant, 403);
      const role = lacking(call.route.requirement as Permission);
      await expectRefused(call, `Bearer ${await tessera.token(role as Account)}`, 403);
      for (const outsider of ['researcher', 'referring-physician'] as const) await expectRefused(call, `Bearer ${await tessera.token(outsider)}`, 403);
    }
  });

  it('lets a role with the permission through (whatever the route then answers)', async () => {
    for (const call of protectedCalls()) {
      const res = await tessera.fetch(call.url, call.init, having(call.route.requirement as Permission) as Account);
      expect({ route: `${call.route.method} ${call.route.path}`, ok: ![401, 403].includes(res.status) }).toEqual({ route: `${call.route.method} ${call.route.path}`, ok: true });
      await res.arrayBuffer();
    }
  });

  it('filters searches by tenant: another hospital sees none of this one', async () => {
    const maryRadiologist = `Bearer ${await mint({ roles: ['radiologist'], tenants: ['st-mary'] })}`;
    const res = await fetch(`${tessera.dicomwebOf('st-mary')}/studies?PatientID=${PATIENT_ID}`, { headers: { Authorization: maryRadiologist } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('keeps the health probes and the token endpoint open', async () => {
    expect((await fetch(`${tessera.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${tessera.baseUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${tessera.issuer}/.well-known/openid-configuration`)).status).toBe(200);
  });
});
