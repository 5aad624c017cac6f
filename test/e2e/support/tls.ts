import { expectEventually, freePort } from '@tessera/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

/** A key and the certificate for it, as files. */
export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

/**
 * A throwaway PKI made with the openssl CLI at test time: a CA, leaf certificates it signs for
 * loopback (127.0.0.1 and localhost), and a stranger, a self-signed certificate that no one trusts.
 */
export interface TestPki {
  readonly ca: string;
  /** Tessera's: TLS server, and client towards TLS destinations. */
  readonly tessera: KeyPair;
  /** A modality's client certificate. */
  readonly client: KeyPair;
  /** A TLS C-MOVE destination's. */
  readonly peer: KeyPair;
  readonly stranger: KeyPair;
}

export async function createTestPki(dir: string): Promise<TestPki> {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  const openssl = (args: readonly string[]) => run('openssl', [...args]);
  // RSA keys: DCMTK's default profile (PS3.15 B.9) proposes ECDHE-RSA and DHE-RSA suites for TLS 1.2.
  const self = async (name: string, subject: string, extensions: readonly string[]): Promise<KeyPair> => {
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-days', '2', '-subj', subject, ...extensions.flatMap((e) => ['-addext', e])]);
    return { key: file(`${name}.key`), cert: file(`${name}.crt`) };
  };
  const leaf = async (name: string, extendedKeyUsage: string): Promise<KeyPair> => {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/O=Tessera tests/CN=${name}`]);
    const ext = file(`${name}.ext`);
    fs.writeFileSync(ext, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${extendedKeyUsage}`, 'subjectAltName=IP:127.0.0.1,DNS:localhost', ''].join('\n'));
    const serial = `0x${randomBytes(8).toString('hex')}`;
    await openssl(['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', serial, '-days', '2', '-out', file(`${name}.crt`), '-extfile', ext]);
    return { key: file(`${name}.key`), cert: file(`${name}.crt`) };
  };
  await self('ca', '/O=Tessera tests/CN=Test CA', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']);
  const [tessera, client, peer, stranger] = await Promise.all([
    leaf('tessera', 'serverAuth,clientAuth'),
    leaf('client', 'clientAuth'),
    leaf('peer', 'serverAuth,clientAuth'),
    self('stranger', '/O=Nobody/CN=stranger', ['subjectAltName=IP:127.0.0.1,DNS:localhost']),
  ]);
  return { ca: file('ca.crt'), tessera, client, peer, stranger };
}

/** DCMTK's TLS options: our key pair (or anonymous TLS without one), trusting `ca`. */
export function dcmtkTls(ca: string, own?: KeyPair): string[] {
  // -pw: the keys are unencrypted; DCMTK would otherwise prompt on stdin.
  return [...(own ? ['+tls', own.key, own.cert, '-pw'] : ['+tla']), '+cf', ca];
}

/**
 * DCMTK storescp in bit-preserving mode over TLS: it shows `own`, and requires a client certificate
 * signed by `ca` (its default). Ready once `probe` (signed by `ca`) gets a C-ECHO through, trusting
 * `ownIssuer` for storescp's certificate.
 */
export class TlsStoreScp {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(dir: string, options: { readonly aeTitle: string; readonly own: KeyPair; readonly ownIssuer: string; readonly ca: string; readonly probe: KeyPair }): Promise<TlsStoreScp> {
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const child = spawn('storescp', ['+B', '--unique-filenames', ...dcmtkTls(options.ca, options.own), '-aet', options.aeTitle, '-od', dir, String(port)], { env: DCMTK_ENV, stdio: 'ignore' });
    const scp = new TlsStoreScp(child, port, dir);
    await expectEventually(async () => {
      const { stdout, stderr } = await run('echoscu', ['-v', ...dcmtkTls(options.ownIssuer, options.probe), '-aec', options.aeTitle, '127.0.0.1', String(port)], { env: DCMTK_ENV }).catch(
        (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
      );
      expect(stdout + stderr).toContain('Received Echo Response (Success)');
    });
    return scp;
  }

  files(): string[] {
    return fs.readdirSync(this.dir).map((f) => path.join(this.dir, f));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await done;
  }
}
