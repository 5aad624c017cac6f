import { freePort, repoRoot } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runPeer } from './support/python';
import { createBacking, MODES, python, startTessera, type Backing, type Tessera } from './support/tessera';
import { createTestPki, type TestPki } from './support/tls';

const run = promisify(execFile);

interface Ack {
  raw: string;
  MSH: Record<string, string>;
  MSA: [string, string, string];
  ERR: { '1': string; '1.4': string; '2': string; '3': string; '4': string; '8': string } | null;
}
interface PeerResult {
  acks: Ack[];
  tlsVersion?: string;
  error?: string;
}
type Outgoing = { text: string; encoding: 'ascii' | 'latin-1' | 'utf-8' } | { base64: string };

/** A message as a RIS sends it: MSH with the given fields, then the segments. */
function hl7(msh: { facility?: string; type: string; control: string; version: string; ack?: string; charset?: string }, ...segments: string[]): string {
  const header = ['MSH', '^~\\&', 'RIS', msh.facility ?? 'GOOD HEALTH', 'TESSERA', 'RADIOLOGY', '20261122101500', '', msh.type, msh.control, 'P', msh.version, '', '', msh.ack ?? '', msh.ack ?? '', '', msh.charset ?? ''];
  return [header.join('|').replace(/\|+$/, ''), ...segments].join('\r');
}

const ADT = (version: string, control: string, extra: { facility?: string; charset?: string; ack?: string; name?: string } = {}): string =>
  hl7({ ...extra, type: version === '2.3' ? 'ADT^A01' : 'ADT^A01^ADT_A01', control, version }, 'EVN|A01|20261122101500', `PID|1||PAT-1^^^HOSP^MR||${extra.name ?? 'EVERYMAN^ADAM'}||19610615|M`, 'PV1|1|O');
const ORM = (version: string, control: string, extra: { facility?: string; charset?: string; ack?: string; name?: string } = {}): string =>
  hl7({ ...extra, type: version === '2.3' ? 'ORM^O01' : 'ORM^O01^ORM_O01', control, version }, `PID|1||PAT-1^^^HOSP^MR||${extra.name ?? 'EVERYMAN^ADAM'}`, 'ORC|NW|ORD-1', 'OBR|1|ORD-1||CTCHEST^CT chest');

/** Tessera's one log line per HL7 message, in order. */
function messageLines(tessera: Tessera): Record<string, unknown>[] {
  return fs
    .readFileSync(tessera.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === 'HL7 message');
}

describe.each(MODES)('HL7 v2 over MLLP with python-hl7, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `hl7-${mode}-${process.pid}`);
  let pki: TestPki;
  let backing: Backing;
  let tessera: Tessera;
  let mllpPort: number;
  let tlsPort: number;
  const send = (messages: readonly Outgoing[], extra: Record<string, unknown> = {}) => runPeer<PeerResult>('hl7_peer.py', [], { port: mllpPort, messages, ...extra });

  beforeAll(async () => {
    pki = await createTestPki(path.join(dir, 'pki'));
    backing = await createBacking(mode, 'hl7');
    [mllpPort, tlsPort] = [await freePort(), await freePort()];
    tessera = await startTessera(`hl7-${mode}`, { ...backing.env, MLLP_PORT: String(mllpPort), MLLP_TLS_PORT: String(tlsPort), MLLP_TLS_CERT: pki.tessera.cert, MLLP_TLS_KEY: pki.tessera.key, MLLP_TLS_CA: pki.ca });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses ADT^A01 and ORM^O01 in 2.3, 2.5.1, 8859/1 and UTF-8 as unsupported message types: AR, or CR in enhanced mode, MSA-2 their control ID', async () => {
    const cases: { message: Outgoing; control: string; type: string; version: string; charset: string; code: string; facility: string }[] = [];
    const add = (build: typeof ADT, type: string, version: string, encoding: 'ascii' | 'latin-1' | 'utf-8', charset: string, facility: string, ack = ''): void => {
      const control = `${type.slice(0, 3)}-${version}-${charset || 'ASCII'}-${ack || 'orig'}`.replace(/[^A-Za-z0-9.-]/g, '');
      const name = encoding === 'ascii' ? 'EVERYMAN^ADAM' : 'STRÖM^ÅSA';
      cases.push({ message: { text: build(version, control, { facility, charset, ack, name }), encoding }, control, type, version, charset, code: ack ? 'CR' : 'AR', facility });
    };
    for (const [build, type] of [
      [ADT, 'ADT^A01'],
      [ORM, 'ORM^O01'],
    ] as const) {
      add(build, type, '2.3', 'ascii', '', 'GOOD HEALTH');
      add(build, type, '2.5.1', 'ascii', '', 'GOOD HEALTH');
      add(build, type, '2.5.1', 'latin-1', '8859/1', 'KLINIKUM MÜNCHEN');
      add(build, type, '2.5.1', 'utf-8', 'UNICODE UTF-8', '山田病院');
      add(build, type, '2.5.1', 'ascii', '', 'GOOD HEALTH', 'AL');
    }
    const { acks, error } = await send(cases.map((c) => c.message));
    expect(error).toBeUndefined();
    expect(acks).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const ack = acks[i] as Ack;
      expect([c.control, ack.MSA[0], ack.MSA[1]]).toEqual([c.control, c.code, c.control]);
      // The acknowledgement's header answers the message's: swapped parties, same version and character set.
      expect(ack.MSH).toMatchObject({ '3': 'TESSERA', '4': 'RADIOLOGY', '5': 'RIS', '6': c.facility, '9': c.version === '2.3' ? `ACK^${c.type.slice(4)}` : `ACK^${c.type.slice(4)}^ACK`, '11': 'P', '12': c.version, '18': c.charset });
      expect(ack.MSH['10']).toMatch(/^[0-9A-F]{20}$/);
      expect(ack.ERR).toMatchObject({ '2': 'MSH^1^9', '3': '200^Unsupported message type^HL70357', '4': 'E', '8': `message type ${c.type} is not supported: this receiver accepts no message types yet` });
      // 2.3 has ERR-1 and MSA-3, which 2.5 replaced.
      if (c.version === '2.3') {
        expect(ack.ERR?.['1']).toBe('MSH^1^9');
        expect(ack.ERR?.['1.4']).toBe('200&Unsupported message type&HL70357');
        expect(ack.MSA[2]).toContain(`message type ${c.type} is not supported`);
      } else {
        expect([ack.ERR?.['1'], ack.MSA[2]]).toEqual(['^^', '']);
      }
    });
    // One log line per message: its control ID, type and answer, and nothing of its content.
    const lines = messageLines(tessera).slice(-cases.length);
    expect(lines.map((l) => [l.controlId, l.type, l.acknowledgement, l.condition, l.tenant])).toEqual(cases.map((c) => [c.control, c.type, c.code, '200', 'default']));
    expect(fs.readFileSync(tessera.logFile, 'utf8')).not.toMatch(/EVERYMAN|STRÖM|PAT-1/);
  });

  it('answers python-hl7’s mllp_send tool, two messages on one connection, in order', async () => {
    const file = path.join(dir, 'two.hl7');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `${ADT('2.4', 'SEND-1')}\r\n${ORM('2.5', 'SEND-2')}\r\n`);
    const { stdout } = await run(path.join(path.dirname(python()), 'mllp_send'), ['--loose', '--port', String(mllpPort), '--file', file, '127.0.0.1'], { timeout: 60_000 });
    expect(stdout.match(/MSA\|AR\|SEND-\d/g)).toEqual(['MSA|AR|SEND-1', 'MSA|AR|SEND-2']);
  });

  it('answers malformed messages AE, and an unknown character set AR, each with the specific reason', async () => {
    const badSegment = `${ADT('2.5.1', 'BAD-SEG')}\rpid|2||X`;
    const unknownCharset = ADT('2.5.1', 'BAD-CHARSET', { charset: 'ISO IR87' });
    const missingHeader = 'PID|1||PAT-1^^^HOSP^MR||EVERYMAN^ADAM\rPV1|1|O';
    // A Latin-1 Ö (0xD6) in a message that declares UTF-8.
    const notUtf8 = Buffer.from(ADT('2.5.1', 'BAD-UTF8', { charset: 'UNICODE UTF-8', name: 'STR#M^ASA' }), 'utf8');
    notUtf8[notUtf8.indexOf('#')] = 0xd6;
    const { acks, error } = await send([
      { text: badSegment, encoding: 'ascii' },
      { text: unknownCharset, encoding: 'ascii' },
      { text: missingHeader, encoding: 'ascii' },
      { base64: notUtf8.toString('base64') },
    ]);
    expect(error).toBeUndefined();
    expect(acks.map((a) => [a.MSA[0], a.MSA[1], a.ERR?.['3'], a.ERR?.['2']])).toEqual([
      ['AE', 'BAD-SEG', '100^Segment sequence error^HL70357', 'pid^5'],
      ['AR', 'BAD-CHARSET', '103^Table value not found^HL70357', 'MSH^1^18'],
      ['AE', '', '100^Segment sequence error^HL70357', 'PID^1'],
      ['AE', 'BAD-UTF8', '102^Data type error^HL70357', 'PID^3^5'],
    ]);
    expect(acks[0]?.ERR?.['8']).toBe('segment 5 begins with "pid|"; a segment begins with its name, three upper-case letters or digits, then the field separator "|"');
    expect(acks[1]?.ERR?.['8']).toBe('MSH-18 "ISO IR87" is not a character set this receiver reads; it reads (empty: ASCII), ASCII, 8859/1, UNICODE UTF-8');
    expect(acks[2]?.ERR?.['8']).toBe('the message begins with "PID", not with its MSH segment');
    expect(acks[3]?.ERR?.['8']).toMatch(/^the bytes at offset \d+ are not UTF-8, the character set MSH-18 declares$/);
  });

  it('acknowledges nothing of a frame cut short, and says so in its log', async () => {
    const result = await runPeer<{ received: number }>('hl7_peer.py', [], { port: mllpPort, truncate: true, messages: [{ text: ADT('2.5.1', 'CUT-1'), encoding: 'ascii' }] });
    expect(result).toEqual({ received: 0 });
    expect(fs.readFileSync(tessera.logFile, 'utf8')).toContain('"msg":"MLLP frame cut short, not acknowledged"');
    expect(messageLines(tessera).some((l) => l.controlId === 'CUT-1')).toBe(false);
  });

  it('answers over TLS 1.2 or later to a client with a certificate the CA signed, and refuses one without', async () => {
    const secured = await send([{ text: ADT('2.5.1', 'TLS-1'), encoding: 'ascii' }], { port: tlsPort, tls: { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } });
    expect(secured.error).toBeUndefined();
    expect(['TLSv1.2', 'TLSv1.3']).toContain(secured.tlsVersion);
    expect(secured.acks.map((a) => [a.MSA[0], a.MSA[1], a.ERR?.['3']])).toEqual([['AR', 'TLS-1', '200^Unsupported message type^HL70357']]);
    const anonymous = await send([{ text: ADT('2.5.1', 'TLS-2'), encoding: 'ascii' }], { port: tlsPort, tls: { ca: pki.ca } });
    expect(anonymous.acks).toEqual([]);
    expect(anonymous.error).toMatch(/SSL|certificate|Connection/i);
    expect(fs.readFileSync(tessera.logFile, 'utf8')).toContain('"msg":"MLLP TLS connection refused"');
    expect(messageLines(tessera).some((l) => l.controlId === 'TLS-2')).toBe(false);
  });
});
