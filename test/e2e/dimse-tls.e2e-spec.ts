import { DimseStatus, readFileMeta } from '@tessera/dicom';
import { expectEventually, freePort, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect as connectTls } from 'node:tls';
import { promisify } from 'node:util';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';
import { createTestPki, dcmtkTls, TlsStoreScp, type TestPki } from './support/tls';

const run = promisify(execFile);
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** Runs a tool and returns its exit code and everything it printed, failing or not. */
async function attempt(command: string, args: readonly string[], input?: string): Promise<{ code: number; output: string }> {
  const child = run(command, [...args], { env: DCMTK_ENV, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

/** A Part 10 file's SOP Instance UID and the SHA-256 of its data set. */
function dataSetOf(file: string): [string, string] {
  const bytes = fs.readFileSync(file);
  const { meta, datasetOffset } = readFileMeta(bytes, true) as NonNullable<ReturnType<typeof readFileMeta>>;
  return [meta.mediaStorageSOPInstanceUID, createHash('sha256').update(bytes.subarray(datasetOffset)).digest('hex')];
}

/** Tessera's log lines about connections and associations, in order. */
function logMessages(tessera: Tessera): { msg: string; reason?: string; protocol?: string; clientCertificate?: string }[] {
  return fs
    .readFileSync(tessera.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string })
    .filter((entry) => /^(TLS connection|association|connection closed)/.test(entry.msg));
}

/**
 * The reasons of the refused TLS connections among log entries, after checking that none of them
 * got through: no TLS connection secured, no association accepted, rejected, released or aborted.
 */
function refusedOnly(entries: ReturnType<typeof logMessages>): (string | undefined)[] {
  expect(entries.filter((m) => m.msg === 'TLS connection' || m.msg.startsWith('association'))).toEqual([]);
  return entries.filter((m) => m.msg === 'TLS connection refused').map((m) => m.reason);
}

describe.each(MODES)('DICOM TLS (PS3.15 B.9) with DCMTK and openssl, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `tls-${mode}-${process.pid}`);
  let pki: TestPki;
  let backing: Backing;
  let tessera: Tessera;
  let tlsPort: number;
  let study: SyntheticStudy;

  const tlsSettings = (port: number, clientAuth: string): Record<string, string> => ({
    DIMSE_TLS_PORT: String(port),
    DIMSE_TLS_CERT: pki.tessera.cert,
    DIMSE_TLS_KEY: pki.tessera.key,
    DIMSE_TLS_CA: pki.ca,
    DIMSE_TLS_CLIENT_AUTH: clientAuth,
  });
  const echo = (port: number, tls: readonly string[]) => attempt('echoscu', ['-v', ...tls, '-aet', 'ECHOSCU', '-aec', 'TESSERA', '127.0.0.1', String(port)]);
  const store = (port: number, tls: readonly string[], files: readonly string[]) => attempt('storescu', ['-v', ...tls, '-aet', 'STORESCU', '-aec', 'TESSERA', '127.0.0.1', String(port), ...files]);
  const instancesFound = async (target: Tessera, studyInstanceUID: string): Promise<string[]> => {
    const res = await target.fetch(`${target.dicomweb}/studies/${studyInstanceUID}/instances`);
    if (res.status !== 200) return [];
    return ((await res.json()) as { '00080018': { Value: string[] } }[]).map((i) => i['00080018'].Value[0] as string).sort();
  };
  const register = async (aeTitle: string, entry: Record<string, unknown>): Promise<void> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/${aeTitle}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '127.0.0.1', ...entry }) });
    expect(res.ok).toBe(true);
  };
  const sops = (files: readonly string[]): string[] => files.map((f) => dataSetOf(f)[0]).sort();

  beforeAll(async () => {
    pki = await createTestPki(path.join(dir, 'pki'));
    study = writeSyntheticStudy(path.join(dir, 'study'), 3, { rows: 16, columns: 16, patientId: 'TLS-1' });
    backing = await createBacking(mode, 'tls');
    tlsPort = await freePort();
    // Client certificates optional: anonymous TLS clients are served, untrusted certificates are not.
    tessera = await startTessera(`tls-${mode}`, { ...backing.env, ...tlsSettings(tlsPort, 'optional') });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers DCMTK C-ECHO over TLS, with a client certificate and without one, and keeps the plain port', async () => {
    const withCertificate = await echo(tlsPort, dcmtkTls(pki.ca, pki.client));
    expect(withCertificate.output).toContain('Received Echo Response (Success)');
    const anonymous = await echo(tlsPort, dcmtkTls(pki.ca));
    expect(anonymous.output).toContain('Received Echo Response (Success)');
    expect((await echo(tessera.dimsePort, [])).output).toContain('Received Echo Response (Success)');
    // TLS 1.2 or later, and the client certificate's subject seen by Tessera.
    const secured = logMessages(tessera).filter((m) => m.msg === 'TLS connection');
    expect(secured).toHaveLength(2);
    expect(secured.every((m) => m.protocol === 'TLSv1.2' || m.protocol === 'TLSv1.3')).toBe(true);
    expect(secured.some((m) => m.clientCertificate?.includes('CN=client'))).toBe(true);
  });

  it('stores a study over TLS with DCMTK storescu, and QIDO-RS then finds every instance', async () => {
    const { code, output } = await store(tlsPort, dcmtkTls(pki.ca, pki.client), study.files);
    expect(code).toBe(0);
    expect(output.match(/Received Store Response \(Success\)/g)).toHaveLength(3);
    await expectEventually(async () => expect(await instancesFound(tessera, study.studyInstanceUID)).toEqual(sops(study.files)));
  });

  it('refuses TLS 1.1 and plain TCP on the TLS port, and serves TLS 1.2 (openssl s_client, DCMTK)', async () => {
    const before = logMessages(tessera).length;
    const refusals = () => logMessages(tessera).slice(before).filter((m) => m.msg === 'TLS connection refused');
    // SECLEVEL=0 lets this client really offer TLS 1.1, so that the refusal is Tessera's.
    const old = await attempt('openssl', ['s_client', '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0', '-connect', `127.0.0.1:${tlsPort}`, '-CAfile', pki.ca], '');
    expect(old.code).not.toBe(0);
    expect(old.output).toMatch(/alert protocol version/);
    expect(old.output).toContain('Cipher is (NONE)');
    await expectEventually(() => expect(refusals()).toEqual([expect.objectContaining({ reason: expect.stringContaining('unsupported protocol') })]));
    const current = await attempt('openssl', ['s_client', '-tls1_2', '-connect', `127.0.0.1:${tlsPort}`, '-CAfile', pki.ca, '-verify_return_error'], '');
    expect(current.code).toBe(0);
    expect(current.output).toMatch(/Protocol\s*: TLSv1\.2/);
    expect(current.output).toMatch(/Cipher is ECDHE-RSA-AES(128|256)-GCM-SHA(256|384)/);
    // A plain DICOM client on the TLS port gets no association.
    const plain = await echo(tlsPort, []);
    expect(plain.code).not.toBe(0);
    expect(plain.output).not.toContain('Echo Response');
    await expectEventually(() => expect(refusals()[1]).toMatchObject({ reason: expect.stringContaining('wrong version number') }));
    // Neither reached association negotiation.
    expect(logMessages(tessera).slice(before).filter((m) => m.msg.startsWith('association'))).toEqual([]);
  });

  it('negotiates only AEAD suites with forward secrecy, and refuses renegotiation (BCP 195)', async () => {
    for (const cipher of ['ECDHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256']) {
      const accepted = await attempt('openssl', ['s_client', '-tls1_2', '-cipher', cipher, '-connect', `127.0.0.1:${tlsPort}`, '-CAfile', pki.ca], '');
      expect(accepted.output).toContain(`Cipher is ${cipher}`);
    }
    // CBC, and RSA key exchange without forward secrecy: no suite in common.
    for (const cipher of ['ECDHE-RSA-AES128-SHA256', 'AES128-GCM-SHA256']) {
      const refused = await attempt('openssl', ['s_client', '-tls1_2', '-cipher', cipher, '-connect', `127.0.0.1:${tlsPort}`, '-CAfile', pki.ca], '');
      expect(refused.code).not.toBe(0);
      expect(refused.output).toContain('Cipher is (NONE)');
    }
    const socket = connectTls({ host: '127.0.0.1', port: tlsPort, ca: fs.readFileSync(pki.ca), maxVersion: 'TLSv1.2' });
    const renegotiation = await new Promise<string>((resolve) => {
      socket.once('secureConnect', () => socket.renegotiate({}, (err) => resolve(err ? err.message : 'renegotiated')));
      socket.on('error', (err) => resolve(err.message));
    }).finally(() => socket.destroy());
    expect(renegotiation).toMatch(/no renegotiation/);
  });

  it('refuses a client certificate that the CA did not sign, even where certificates are optional', async () => {
    const before = logMessages(tessera).length;
    const stranger = await echo(tlsPort, dcmtkTls(pki.ca, pki.stranger));
    expect(stranger.code).not.toBe(0);
    expect(stranger.output).not.toContain('Echo Response');
    await expectEventually(() => expect(refusedOnly(logMessages(tessera).slice(before))).toEqual([expect.stringContaining('client certificate not trusted')]));
  });

  describe('C-MOVE to a destination registered with "tls": true', () => {
    let destination: TlsStoreScp;
    let untrusted: TlsStoreScp;
    let moved: SyntheticStudy;

    beforeAll(async () => {
      moved = writeSyntheticStudy(path.join(dir, 'moved'), 3, { rows: 16, columns: 16, patientId: 'TLS-MOVE' });
      expect((await store(tlsPort, dcmtkTls(pki.ca, pki.client), moved.files)).code).toBe(0);
      await expectEventually(async () => expect(await instancesFound(tessera, moved.studyInstanceUID)).toHaveLength(3));
      destination = await TlsStoreScp.start(path.join(dir, 'tlsscp'), { aeTitle: 'TLSSCP', own: pki.peer, ownIssuer: pki.ca, ca: pki.ca, probe: pki.client });
      // Its certificate is self-signed: Tessera must not trust it.
      untrusted = await TlsStoreScp.start(path.join(dir, 'untrusted'), { aeTitle: 'UNTRUSTED', own: pki.stranger, ownIssuer: pki.stranger.cert, ca: pki.ca, probe: pki.client });
      await register('TLSSCP', { port: destination.port, tls: true });
      await register('UNTRUSTED', { port: untrusted.port, tls: true });
    });

    afterAll(async () => {
      await destination?.stop();
      await untrusted?.stop();
    });

    // DCMTK's movescu has no TLS, so it asks on the plain port; the delivery is what runs over TLS.
    it('delivers the study over mutual TLS when DCMTK movescu asks, every data set byte-identical', async () => {
      const { output } = await attempt('movescu', ['-v', '-S', '-aet', 'MOVESCU', '-aec', 'TESSERA', '-aem', 'TLSSCP', '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${moved.studyInstanceUID}`]);
      expect(output).toContain('Received Final Move Response (Success)');
      // storescp requires a client certificate signed by the CA: it took Tessera's.
      expect(new Map(destination.files().map(dataSetOf))).toEqual(new Map(moved.files.map(dataSetOf)));
    });

    it('fails every sub-operation when the destination shows a certificate that the CA did not sign', async () => {
      const result = await runPeer<{ responses: { status: number; completed: number; failed: number }[] }>('dimse_peer.py', ['move'], {
        port: tessera.dimsePort,
        aet: 'TESSERA',
        model: 'study',
        identifier: { QueryRetrieveLevel: 'STUDY', StudyInstanceUID: moved.studyInstanceUID },
        destination: 'UNTRUSTED',
      });
      expect(result.responses.at(-1)).toMatchObject({ status: DimseStatus.UnableToPerformSubOperations, completed: 0, failed: 3 });
      expect(untrusted.files()).toEqual([]);
      expect(fs.readFileSync(tessera.logFile, 'utf8')).toMatch(/"msg":"C-MOVE destination unreachable".*"destination":"UNTRUSTED".*TLS with UNTRUSTED at 127\.0\.0\.1:\d+: self-signed certificate/);
    });
  });

  describe('with client certificates required', () => {
    let strictBacking: Backing;
    let strict: Tessera;
    let strictTlsPort: number;

    beforeAll(async () => {
      strictBacking = await createBacking(mode, 'tls-required');
      strictTlsPort = await freePort();
      strict = await startTessera(`tls-required-${mode}`, { ...strictBacking.env, ...tlsSettings(strictTlsPort, 'required') });
    });

    afterAll(async () => {
      await strict?.stop();
      await strictBacking?.cleanup();
    });

    it('refuses a client without a certificate in the TLS handshake, before association negotiation', async () => {
      const before = logMessages(strict).length;
      const anonymous = await echo(strictTlsPort, dcmtkTls(pki.ca));
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.output).not.toContain('Echo Response');
      await expectEventually(() => expect(refusedOnly(logMessages(strict).slice(before))).toEqual([expect.stringMatching(/certificate/)]));
    });

    it('refuses a client certificate that the CA did not sign', async () => {
      const stranger = await echo(strictTlsPort, dcmtkTls(pki.ca, pki.stranger));
      expect(stranger.code).not.toBe(0);
      expect(stranger.output).not.toContain('Echo Response');
    });

    it('serves a client whose certificate the CA signed: C-ECHO, and C-STORE then found by QIDO-RS', async () => {
      expect((await echo(strictTlsPort, dcmtkTls(pki.ca, pki.client))).output).toContain('Received Echo Response (Success)');
      const other = writeSyntheticStudy(path.join(dir, 'strict-study'), 2, { rows: 8, columns: 8, patientId: 'TLS-2' });
      const { output } = await store(strictTlsPort, dcmtkTls(pki.ca, pki.client), other.files);
      expect(output.match(/Received Store Response \(Success\)/g)).toHaveLength(2);
      await expectEventually(async () => expect(await instancesFound(strict, other.studyInstanceUID)).toEqual(sops(other.files)));
    });
  });
});
