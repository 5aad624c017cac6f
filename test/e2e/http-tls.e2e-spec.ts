import { repoRoot } from '@tessera/testing';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { createTestPki, type TestPki } from './support/tls';
import { createBacking, httpsGet, startTessera, type Backing, type Tessera } from './support/tessera';

/** A form POST over HTTPS trusting `ca`. */
function httpsPost(url: string, ca: string, form: URLSearchParams): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(form.toString());
  });
}

// Issue 6: TLS settings for HTTP too. With HTTP_TLS_CERT and HTTP_TLS_KEY the HTTP port speaks
// HTTPS only, with the BCP 195 profile of DICOM TLS (TLS 1.2 or later), and the embedded provider's
// issuer is an https URL.
describe('HTTPS on the HTTP port (all-in-one)', () => {
  let backing: Backing;
  let tessera: Tessera;
  let pki: TestPki;
  let ca: string;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `http-tls-${process.pid}`);

  beforeAll(async () => {
    pki = await createTestPki(path.join(dir, 'pki'));
    ca = fs.readFileSync(pki.ca, 'utf8');
    backing = await createBacking('all-in-one', 'http-tls');
    tessera = await startTessera('http-tls', { ...backing.env, HTTP_TLS_CERT: pki.tessera.cert, HTTP_TLS_KEY: pki.tessera.key }, undefined, { httpsCa: ca });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves tokens and DICOMweb over HTTPS, and its issuer says https', async () => {
    expect(tessera.baseUrl).toMatch(/^https:/);
    const discovery = await httpsGet(`${tessera.baseUrl}/oidc/.well-known/openid-configuration`, ca);
    expect(JSON.parse(discovery.body)).toMatchObject({ issuer: `${tessera.baseUrl}/oidc` });
    const accounts = JSON.parse(fs.readFileSync(path.join(tessera.oidcDir, 'dev-accounts.json'), 'utf8')) as { users: { username: string; password: string }[] };
    const password = accounts.users.find((u) => u.username === 'radiologist')?.password ?? '';
    const granted = await httpsPost(`${tessera.baseUrl}/oidc/token`, ca, new URLSearchParams({ grant_type: 'password', client_id: 'tessera-cli', username: 'radiologist', password }));
    expect(granted.status).toBe(200);
    const token = (JSON.parse(granted.body) as { access_token: string }).access_token;
    expect((await httpsGet(`${tessera.dicomweb}/studies`, ca, { Authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('speaks no plain HTTP on that port, and no TLS older than 1.2', async () => {
    await expect(fetch(`${tessera.baseUrl.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
    const port = Number(new URL(tessera.baseUrl).port);
    const old = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => resolve(`connected ${socket.getProtocol()}`));
      socket.on('error', (err) => resolve(`refused: ${err.message}`));
    });
    expect(old).toMatch(/^refused/);
  });
});
