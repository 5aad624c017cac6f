import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

type Json = Record<string, { Value?: unknown[] }>;

// Issue 6: sharing only through explicit, expiring, audited grants — a study of one hospital shared
// with a referring physician, and with a radiologist of another hospital.
describe.each(MODES)('study sharing through grants, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let shared: SyntheticStudy;
  let other: SyntheticStudy;
  let maryRadiologist: string;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `sharing-${mode}-${process.pid}`);
  const studiesSeenBy = async (token: string): Promise<unknown[]> => {
    const res = await fetch(`${tessera.dicomweb}/studies`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as Json[]).map((s) => s['0020000D']?.Value?.[0]);
  };
  const metadataStatus = async (token: string, study: string): Promise<number> => (await fetch(`${tessera.dicomweb}/studies/${study}/metadata`, { headers: { Authorization: `Bearer ${token}` } })).status;
  const share = (subject: string, issuer: string | undefined, hours = 1) =>
    tessera.fetch(
      `${tessera.baseUrl}/admin/tenants/default/study-grants`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ study: shared.studyInstanceUID, grantee: { subject, ...(issuer ? { issuer } : {}) }, expiresAt: new Date(Date.now() + hours * 3_600_000).toISOString(), reason: 'second opinion' }) },
      'radiologist',
    );

  beforeAll(async () => {
    shared = writeSyntheticStudy(path.join(dir, 'shared'), 2, { rows: 16, columns: 16, patientId: 'SHARE-1' });
    other = writeSyntheticStudy(path.join(dir, 'other'), 1, { rows: 16, columns: 16, patientId: 'SHARE-2' });
    backing = await createBacking(mode, 'sharing');
    tessera = await startTessera(`sharing-${mode}`, { ...backing.env, TESSERA_TENANTS: 'default,st-mary' });
    const stored = await storescu(tessera.dimsePort, 'TESSERA', [...shared.files, ...other.files]);
    expect(stored.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => expect(await (await tessera.fetch(`${tessera.dicomweb}/studies`)).json()).toHaveLength(2), { timeoutMs: 60_000 });
    // A radiologist of St Mary's, signed by the issuer's own key: not a member of the default tenant.
    const jwk = (JSON.parse(fs.readFileSync(path.join(tessera.oidcDir, 'signing-keys.json'), 'utf8')) as { keys: JWK[] }).keys[0] as JWK;
    maryRadiologist = await new SignJWT({ sub: 'dr.mary', roles: ['radiologist'], tenants: ['st-mary'] })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid as string })
      .setIssuer(tessera.issuer)
      .setAudience('tessera')
      .setExpirationTime('10m')
      .sign((await importJWK(jwk, 'RS256')) as CryptoKey);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows a referring physician nothing, then only the study shared with them, until the grant is revoked', async () => {
    const referrer = await tessera.token('referring-physician');
    expect((await fetch(`${tessera.dicomweb}/studies`, { headers: { Authorization: `Bearer ${referrer}` } })).status).toBe(403);
    const created = await share('referring-physician', undefined);
    expect(created.status).toBe(201);
    const grant = (await created.json()) as { id: string };
    expect(await studiesSeenBy(referrer)).toEqual([shared.studyInstanceUID]);
    expect(await metadataStatus(referrer, shared.studyInstanceUID)).toBe(200);
    expect(await metadataStatus(referrer, other.studyInstanceUID)).toBe(403);
    expect((await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/study-grants/${grant.id}`, { method: 'DELETE' }, 'radiologist')).status).toBe(204);
    expect(await metadataStatus(referrer, shared.studyInstanceUID)).toBe(403);
  });

  it('shares a study with a radiologist of another hospital, and refuses grants that are too long or already over', async () => {
    expect(await metadataStatus(maryRadiologist, shared.studyInstanceUID)).toBe(403);
    expect((await share('dr.mary', tessera.issuer)).status).toBe(201);
    expect(await studiesSeenBy(maryRadiologist)).toEqual([shared.studyInstanceUID]);
    const retrieve = await fetch(`${tessera.dicomweb}/studies/${shared.studyInstanceUID}`, { headers: { Authorization: `Bearer ${maryRadiologist}`, Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
    expect(retrieve.status).toBe(200);
    await retrieve.arrayBuffer();
    // Longer than the longest grant, or in the past: refused.
    expect((await share('dr.mary', tessera.issuer, 24 * 91)).status).toBe(400);
    expect((await share('dr.mary', tessera.issuer, -1)).status).toBe(400);
  });

  it('lets only those who may share create grants, and audits every grant', async () => {
    expect((await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/study-grants`, {}, 'technologist')).status).toBe(403);
    const alerts = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?eventType=110113`)).json()) as { message: string }[];
    const grants = alerts.filter((a) => a.message.includes('110135'));
    expect(grants.length).toBeGreaterThanOrEqual(3); // two shares and a revocation
  });
});
