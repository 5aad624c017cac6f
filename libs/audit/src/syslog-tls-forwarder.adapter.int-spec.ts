import { expectEventually, freePort, repoRoot } from '@tessera/testing';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { AuditEvent } from './audit-event';
import { SAMPLE_EVENTS } from './audit-event.samples';
import { buildAuditMessage, type AuditMessage } from './audit-message';
import { formatSyslogMessage } from './syslog-message';
import { SyslogSpool } from './syslog-spool';
import { SyslogTlsForwarder, type SyslogTlsOptions } from './syslog-tls-forwarder.adapter';

const run = promisify(execFile);
const ROOT = path.join(repoRoot(), 'tmp', 'audit-syslog-int', String(process.pid));
// Debian puts rsyslogd in /usr/sbin, which is not on every user's PATH.
const RSYSLOGD = fs.existsSync('/usr/sbin/rsyslogd') ? '/usr/sbin/rsyslogd' : 'rsyslogd';
const ORIGIN = { hostname: 'pacs1.example.org', appName: 'tessera', procId: String(process.pid) };

/** A CA, the collector's certificate for 127.0.0.1, and our client certificate, made with openssl. */
async function createPki(dir: string): Promise<{ ca: string; server: { cert: string; key: string }; client: { cert: string; key: string } }> {
  fs.mkdirSync(dir, { recursive: true });
  const file = (n: string) => path.join(dir, n);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2', '-subj', '/O=Tessera tests/CN=Audit test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = async (name: string, usage: string) => {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/O=Tessera tests/CN=${name}`]);
    fs.writeFileSync(file(`${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`);
    await run('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-out', file(`${name}.crt`), '-extfile', file(`${name}.ext`)]);
    return { cert: file(`${name}.crt`), key: file(`${name}.key`) };
  };
  return { ca: file('ca.crt'), server: await leaf('collector', 'serverAuth'), client: await leaf('tessera', 'clientAuth') };
}

/**
 * rsyslog from Debian as the Audit Record Repository: imtcp with the GnuTLS stream driver on a
 * loopback port, requiring a client certificate signed by the test CA, writing each received
 * message's SYSLOG-MSG, as received, as one line of a file.
 */
class Rsyslog {
  private child?: ChildProcess;
  readonly received: string;
  private readonly conf: string;

  constructor(
    private readonly dir: string,
    readonly port: number,
    pki: Awaited<ReturnType<typeof createPki>>,
  ) {
    fs.mkdirSync(path.join(dir, 'work'), { recursive: true });
    this.received = path.join(dir, 'received.log');
    this.conf = path.join(dir, 'rsyslog.conf');
    fs.writeFileSync(
      this.conf,
      `global(workDirectory="${dir}/work" maxMessageSize="256k"
  defaultNetstreamDriver="gtls"
  defaultNetstreamDriverCAFile="${pki.ca}" defaultNetstreamDriverCertFile="${pki.server.cert}" defaultNetstreamDriverKeyFile="${pki.server.key}")
module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
input(type="imtcp" address="127.0.0.1" port="${port}")
template(name="asReceived" type="string" string="%rawmsg%\\n")
if $inputname == "imtcp" then {
  action(type="omfile" file="${this.received}" template="asReceived")
} else {
  action(type="omfile" file="${dir}/rsyslogd.log")
}
`,
    );
  }

  async start(): Promise<void> {
    const log = fs.openSync(path.join(this.dir, 'rsyslogd.out'), 'a');
    this.child = spawn(RSYSLOGD, ['-n', '-f', this.conf, '-i', path.join(this.dir, 'rsyslogd.pid')], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const child = this.child;
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    await expectEventually(
      () =>
        new Promise<void>((resolve, reject) => {
          if (spawnError) throw new Error(`cannot run ${RSYSLOGD} (scripts/infra/install.sh apt installs rsyslog): ${spawnError.message}`);
          if (child.exitCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode}: ${fs.readFileSync(path.join(this.dir, 'rsyslogd.out'), 'utf8')}`);
          const probe = net.connect(this.port, '127.0.0.1', () => probe.destroy() && resolve());
          probe.once('error', reject);
        }),
      { timeoutMs: 20_000 },
    );
  }

  /** Stops the collector by its pid (SIGKILL: as if it crashed) and waits for it to exit. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid as number, signal);
    // A frozen collector acts on SIGTERM only once it runs again.
    process.kill(child.pid as number, 'SIGCONT');
    await exited;
    fs.rmSync(path.join(this.dir, 'rsyslogd.pid'), { force: true });
  }

  /** Freezes (SIGSTOP) the collector: the kernel still takes bytes for it, nothing reads them. */
  freeze(): void {
    process.kill(this.child?.pid as number, 'SIGSTOP');
  }

  lines(): string[] {
    return fs.existsSync(this.received) ? fs.readFileSync(this.received, 'utf8').split('\n').filter((l) => l !== '') : [];
  }
}

const names = Object.keys(SAMPLE_EVENTS);
let serial = 0;
/** A distinct audit message each time, from the sample events. */
function nextMessage(): AuditMessage {
  serial += 1;
  const event = SAMPLE_EVENTS[names[serial % names.length] as string] as AuditEvent;
  return buildAuditMessage(event, { auditSourceId: `tessera-${serial}` }, new Date(Date.UTC(2026, 10, 22, 10, 0, serial)));
}
const asReceived = (m: AuditMessage) => formatSyslogMessage(m, ORIGIN).toString('utf8');

describe('SyslogTlsForwarder with rsyslog as the collector (RFC 5425)', () => {
  let pki: Awaited<ReturnType<typeof createPki>>;
  let collector: Rsyslog;
  let options: SyslogTlsOptions;
  const forwarders: SyslogTlsForwarder[] = [];

  const forwarder = async (spoolDir: string, failures: Error[] = [], written: number[] = [], overrides: Partial<SyslogTlsOptions> = {}) => {
    const f = new SyslogTlsForwarder(await SyslogSpool.open(spoolDir), ORIGIN, { ...options, ...overrides }, { failed: (e) => failures.push(e), written: (n) => written.push(n) });
    forwarders.push(f);
    return f;
  };

  beforeAll(async () => {
    fs.rmSync(ROOT, { recursive: true, force: true });
    pki = await createPki(path.join(ROOT, 'pki'));
    collector = new Rsyslog(path.join(ROOT, 'rsyslog'), await freePort(), pki);
    await collector.start();
    options = {
      host: '127.0.0.1',
      port: collector.port,
      ca: fs.readFileSync(pki.ca),
      cert: fs.readFileSync(pki.client.cert),
      key: fs.readFileSync(pki.client.key),
      confirmAfterMs: 300,
      backoff: { initialMs: 50, maxMs: 400 },
    };
  });
  afterAll(async () => {
    for (const f of forwarders) await f.stop();
    await collector.stop();
    fs.rmSync(ROOT, { recursive: true, force: true });
  });

  it('delivers each message, as formatted, in order, and then empties the spool', async () => {
    const spoolDir = path.join(ROOT, 'spool-delivery');
    const f = await forwarder(spoolDir);
    f.start();
    const sent = [nextMessage(), nextMessage(), nextMessage()];
    for (const m of sent) await f.forward(m);
    await expectEventually(() => expect(collector.lines().slice(-3)).toEqual(sent.map(asReceived)), { timeoutMs: 20_000 });
    expect(collector.lines()[0]).toMatch(/^<8[45]>1 2026-11-22T10:00:\d\d\.000Z pacs1\.example\.org tessera \d+ IHE\+RFC-3881 - \uFEFF<\?xml version="1\.0" encoding="UTF-8"\?><AuditMessage>/);
    await expectEventually(async () => expect(await (await SyslogSpool.open(spoolDir)).list()).toEqual([]));
    await f.stop();
  });

  it('loses nothing while the collector is down, and delivers everything once it is back', async () => {
    const spoolDir = path.join(ROOT, 'spool-outage');
    const failures: Error[] = [];
    const f = await forwarder(spoolDir, failures);
    f.start();
    const before = nextMessage();
    await f.forward(before);
    await expectEventually(() => expect(collector.lines()).toContain(asReceived(before)), { timeoutMs: 20_000 });
    await expectEventually(async () => expect(await (await SyslogSpool.open(spoolDir)).list()).toEqual([]));

    await collector.stop();
    const during = Array.from({ length: 5 }, nextMessage);
    for (const m of during) await f.forward(m);
    // The forwarder keeps trying, with backoff, and the spool keeps every message meanwhile.
    await expectEventually(() => expect(failures.length).toBeGreaterThanOrEqual(3), { timeoutMs: 20_000 });
    expect((await (await SyslogSpool.open(spoolDir)).list()).length).toBe(5);
    expect(collector.lines()).not.toContain(asReceived(during[0] as AuditMessage));

    await collector.start();
    await expectEventually(
      () => {
        const lines = collector.lines();
        // At least once: a batch that was written when the collector went away may arrive twice, never out of order.
        const firstSeen = during.map((m) => lines.indexOf(asReceived(m)));
        expect(firstSeen.every((i) => i >= 0)).toBe(true);
        expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen);
      },
      { timeoutMs: 30_000 },
    );
    await expectEventually(async () => expect(await (await SyslogSpool.open(spoolDir)).list()).toEqual([]));
    await f.stop();
  });

  it('keeps a message written to a collector that dies before reading it (no acknowledgement in RFC 5425)', async () => {
    const spoolDir = path.join(ROOT, 'spool-crash');
    const written: number[] = [];
    // A confirmation window far longer than the test needs to kill the collector.
    const f = await forwarder(spoolDir, [], written, { confirmAfterMs: 3_000 });
    f.start();
    const warmUp = nextMessage();
    await f.forward(warmUp);
    await expectEventually(() => expect(collector.lines()).toContain(asReceived(warmUp)), { timeoutMs: 20_000 });

    collector.freeze();
    const lostInFlight = nextMessage();
    await f.forward(lostInFlight);
    // Written into the connection (the kernel took it), never read by the frozen collector...
    await expectEventually(() => expect(written.length).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    await collector.stop('SIGKILL');
    expect(collector.lines()).not.toContain(asReceived(lostInFlight));
    // ...so it is still in the spool, and reaches the collector once it is back.
    expect((await (await SyslogSpool.open(spoolDir)).list()).length).toBeGreaterThanOrEqual(1);
    await collector.start();
    await expectEventually(() => expect(collector.lines()).toContain(asReceived(lostInFlight)), { timeoutMs: 30_000 });
    await f.stop();
  });

  it('after a restart, replays what the spool held, in order', async () => {
    const spoolDir = path.join(ROOT, 'spool-restart');
    await collector.stop();
    const first = await forwarder(spoolDir);
    first.start();
    const spooled = Array.from({ length: 4 }, nextMessage);
    for (const m of spooled) await first.forward(m);
    await first.stop(); // the process goes away with the messages undelivered

    await collector.start();
    const second = await forwarder(spoolDir); // the next process opens the same spool
    second.start();
    await expectEventually(
      () => {
        const lines = collector.lines();
        const firstSeen = spooled.map((m) => lines.indexOf(asReceived(m)));
        expect(firstSeen.every((i) => i >= 0)).toBe(true);
        expect([...firstSeen].sort((a, b) => a - b)).toEqual(firstSeen);
      },
      { timeoutMs: 30_000 },
    );
    await second.stop();
  });
});
