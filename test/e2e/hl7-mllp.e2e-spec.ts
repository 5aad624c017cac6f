import { expectEventually, freePort, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
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
// A result: a message type Tessera does not process.
const ORU = (version: string, control: string, extra: { facility?: string; charset?: string; ack?: string; name?: string } = {}): string =>
  hl7({ ...extra, type: version === '2.3' ? 'ORU^R01' : 'ORU^R01^ORU_R01', control, version }, `PID|1||PAT-1^^^HOSP^MR||${extra.name ?? 'EVERYMAN^ADAM'}`, 'OBR|1|ORD-1||CTCHEST^CT chest', 'OBX|1|TX|||Normal');

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

  it('accepts ADT^A01 and refuses ORU^R01 (unsupported) in 2.3, 2.5.1, 8859/1 and UTF-8: AA/AR, or CA/CR in enhanced mode, MSA-2 their control ID', async () => {
    const cases: { message: Outgoing; control: string; type: string; version: string; charset: string; code: string; facility: string }[] = [];
    const add = (build: typeof ADT, type: string, version: string, encoding: 'ascii' | 'latin-1' | 'utf-8', charset: string, facility: string, ack = ''): void => {
      const control = `${type.slice(0, 3)}-${version}-${charset || 'ASCII'}-${ack || 'orig'}`.replace(/[^A-Za-z0-9.-]/g, '');
      const name = encoding === 'ascii' ? 'EVERYMAN^ADAM' : 'STRÖM^ÅSA';
      const accepted = type === 'ADT^A01';
      cases.push({ message: { text: build(version, control, { facility, charset, ack, name }), encoding }, control, type, version, charset, code: accepted ? (ack ? 'CA' : 'AA') : ack ? 'CR' : 'AR', facility });
    };
    for (const [build, type] of [
      [ADT, 'ADT^A01'],
      [ORU, 'ORU^R01'],
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
      if (c.type === 'ADT^A01') {
        expect(ack.ERR).toBeNull();
        return;
      }
      expect(ack.ERR).toMatchObject({ '2': 'MSH^1^9', '3': '200^Unsupported message type^HL70357', '4': 'E', '8': `message type ${c.type} is not supported; this receiver processes ADT^A01, ADT^A04, ADT^A08, ADT^A31, ADT^A40, ADT^A47, ORM^O01, OMI^O23` });
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
    expect(lines.map((l) => [l.controlId, l.type, l.acknowledgement, l.condition, l.tenant])).toEqual(cases.map((c) => [c.control, c.type, c.code, c.type === 'ADT^A01' ? undefined : '200', 'default']));
    expect(fs.readFileSync(tessera.logFile, 'utf8')).not.toMatch(/EVERYMAN|STRÖM|PAT-1/);
  });

  it('answers python-hl7’s mllp_send tool, two messages on one connection, in order', async () => {
    const file = path.join(dir, 'two.hl7');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `${ADT('2.4', 'SEND-1')}\r\n${ORU('2.5', 'SEND-2')}\r\n`);
    const { stdout } = await run(path.join(path.dirname(python()), 'mllp_send'), ['--loose', '--port', String(mllpPort), '--file', file, '127.0.0.1'], { timeout: 60_000 });
    expect(stdout.match(/MSA\|A[AR]\|SEND-\d/g)).toEqual(['MSA|AA|SEND-1', 'MSA|AR|SEND-2']);
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
    expect(secured.acks.map((a) => [a.MSA[0], a.MSA[1], a.ERR])).toEqual([['AA', 'TLS-1', null]]);
    const anonymous = await send([{ text: ADT('2.5.1', 'TLS-2'), encoding: 'ascii' }], { port: tlsPort, tls: { ca: pki.ca } });
    expect(anonymous.acks).toEqual([]);
    expect(anonymous.error).toMatch(/SSL|certificate|Connection/i);
    expect(fs.readFileSync(tessera.logFile, 'utf8')).toContain('"msg":"MLLP TLS connection refused"');
    expect(messageLines(tessera).some((l) => l.controlId === 'TLS-2')).toBe(false);
  });
  it('applies ADT and orders sent with mllp_send: QIDO, findscu and findscu -W show the result; a resent message and malformed ones change nothing', async () => {
    const work = path.join(dir, 'adt-orders');
    const survivor = writeSyntheticStudy(path.join(work, 'survivor'), 1, { rows: 8, columns: 8, patientId: 'HL7-SURV' });
    const prior = writeSyntheticStudy(path.join(work, 'prior'), 1, { rows: 8, columns: 8, patientId: 'HL7-PRIOR' });
    expect(await storescu(tessera.dimsePort, 'TESSERA', [...survivor.files, ...prior.files])).toEqual([
      { kind: 'status', status: 0 },
      { kind: 'status', status: 0 },
    ]);
    const qido = async (query: string): Promise<Record<string, { Value?: unknown[] }>[]> => (await (await tessera.fetch(`${tessera.dicomweb}/studies?${query}`)).json()) as Record<string, { Value?: unknown[] }>[];
    await expectEventually(async () => expect(await qido('PatientID=HL7-SURV%5CHL7-PRIOR')).toHaveLength(2), { timeoutMs: 60_000, intervalMs: 250 });
    // The modality that reads the worklist and queries the archive.
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/CT1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '127.0.0.1', port: 104, allowedOperations: ['ECHO', 'FIND', 'WORKLIST'] }) });
    expect(res.ok).toBe(true);

    const A08 = hl7({ type: 'ADT^A08^ADT_A01', control: 'E2E-A08', version: '2.5.1' }, 'EVN|A08|20261122101500', 'PID|1||HL7-SURV||RENAMED^PATIENT^HL7||19700101|F', 'PV1|1|O');
    const A40 = hl7({ type: 'ADT^A40^ADT_A39', control: 'E2E-A40', version: '2.5.1' }, 'EVN|A40|20261122101600', 'PID|1||HL7-SURV||RENAMED^PATIENT^HL7||19700101|F', 'MRG|HL7-PRIOR');
    const ORM = (control: string, orc: string) =>
      hl7({ type: 'ORM^O01^ORM_O01', control, version: '2.3.1' }, 'PID|1||HL7-SURV||RENAMED^PATIENT^HL7', orc, 'OBR|1|PLC-E2E||CTCHEST^CT chest^LOCAL||||||||||||||ACC-E2E|RP-E2E|SPS-E2E|CT1|||CT|||^^^202611221030');
    const file = path.join(work, 'adt-orders.hl7');
    fs.writeFileSync(file, [A08, A40, ORM('E2E-ORM-NW', 'ORC|NW|PLC-E2E')].map((m) => `${m}\r\n`).join(''));
    const mllpSend = () => run(path.join(path.dirname(python()), 'mllp_send'), ['--loose', '--port', String(mllpPort), '--file', file, '127.0.0.1'], { timeout: 60_000 });
    expect((await mllpSend()).stdout.match(/MSA\|A[AER]\|E2E-[A-Z0-9-]+/g)).toEqual(['MSA|AA|E2E-A08', 'MSA|AA|E2E-A40', 'MSA|AA|E2E-ORM-NW']);

    // QIDO: one patient, both studies under it, with the new demographics. The answer was sent after the commit: no waiting.
    const expectOnePatient = async (): Promise<void> => {
      const studies = await qido('PatientID=HL7-SURV%5CHL7-PRIOR&includefield=00100010&includefield=00100040');
      expect(studies.map((s) => [s['0020000D']?.Value?.[0], s['00100020']?.Value?.[0], s['00100010']?.Value?.[0], s['00100040']?.Value?.[0]]).sort()).toEqual(
        [survivor.studyInstanceUID, prior.studyInstanceUID].sort().map((uid) => [uid, 'HL7-SURV', { Alphabetic: 'RENAMED^PATIENT^HL7' }, 'F']),
      );
    };
    await expectOnePatient();
    // findscu, Patient Root, patient level: one patient with two studies.
    const dumps = async (args: string[]): Promise<string[]> => {
      const out = fs.mkdtempSync(path.join(work, 'find-'));
      await run('findscu', ['-X', '-od', out, '-aet', 'CT1', '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), ...args], { env: { ...process.env, TCP_NODELAY: '1' } });
      return Promise.all(fs.readdirSync(out).map(async (f) => (await run('dcmdump', [path.join(out, f)])).stdout));
    };
    const patients = () => dumps(['-P', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=HL7-*', '-k', 'PatientName', '-k', 'NumberOfPatientRelatedStudies']);
    const expectFound = async (): Promise<void> => {
      const found = await patients();
      expect(found).toHaveLength(1);
      expect(found[0]).toContain('[RENAMED^PATIENT^HL7]');
      expect(found[0]).toContain('[HL7-SURV]');
      expect(found[0]).toMatch(/\(0020,1200\) IS \[2\s*\]/);
    };
    await expectFound();
    // findscu -W: the order's scheduled procedure step.
    const worklist = () => dumps(['-W', '-k', 'AccessionNumber=ACC-E2E', '-k', 'PatientName', '-k', 'PatientID', '-k', 'RequestedProcedureID', '-k', 'ScheduledProcedureStepSequence[0].ScheduledStationAETitle', '-k', 'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate', '-k', 'ScheduledProcedureStepSequence[0].Modality']);
    const items = await worklist();
    expect(items).toHaveLength(1);
    for (const text of ['[ACC-E2E]', '[RENAMED^PATIENT^HL7]', '[HL7-SURV]', '[RP-E2E]', '[CT1]', '[20261122]', '[CT]']) expect(items[0]).toContain(text);

    // The same messages again: accepted again, and nothing changes.
    expect((await mllpSend()).stdout.match(/MSA\|A[AER]\|E2E-[A-Z0-9-]+/g)).toEqual(['MSA|AA|E2E-A08', 'MSA|AA|E2E-A40', 'MSA|AA|E2E-ORM-NW']);
    expect(messageLines(tessera).slice(-3).map((l) => l.duplicate)).toEqual([true, true, true]);
    await expectOnePatient();
    await expectFound();
    expect(await worklist()).toHaveLength(1);

    // Malformed or unknown content: AE with the reason, AR for an unknown type, and nothing changes.
    const { acks, error } = await send([
      { text: hl7({ type: 'ORM^O01^ORM_O01', control: 'E2E-NOACC', version: '2.5.1' }, 'PID|1||HL7-SURV||X^Y', 'ORC|NW|PLC-2', 'OBR|1|PLC-2||CT^CT'), encoding: 'ascii' },
      { text: hl7({ type: 'ADT^A40^ADT_A39', control: 'E2E-GHOST', version: '2.5.1' }, 'EVN|A40', 'PID|1||HL7-SURV||GHOST^MERGE', 'MRG|NOBODY'), encoding: 'ascii' },
      { text: hl7({ type: 'ADT^A08^ADT_A01', control: 'E2E-BADSEX', version: '2.5.1' }, 'EVN|A08', 'PID|1||HL7-SURV||WRONG^NAME|||Q'), encoding: 'ascii' },
      { text: hl7({ type: 'ADT^A08^ADT_A01', control: 'E2E-NOPID', version: '2.5.1' }, 'EVN|A08'), encoding: 'ascii' },
      { text: hl7({ type: 'ADT^A99', control: 'E2E-A99', version: '2.5.1' }, 'EVN|A99', 'PID|1||HL7-SURV||WRONG^NAME'), encoding: 'ascii' },
    ]);
    expect(error).toBeUndefined();
    expect(acks.map((a) => [a.MSA[0], a.MSA[1], a.ERR?.['3'], a.ERR?.['2']])).toEqual([
      ['AE', 'E2E-NOACC', '101^Required field missing^HL70357', 'OBR^4^18'],
      ['AE', 'E2E-GHOST', '204^Unknown key identifier^HL70357', 'MRG^4^1'],
      ['AE', 'E2E-BADSEX', '103^Table value not found^HL70357', 'PID^3^8'],
      ['AE', 'E2E-NOPID', '100^Segment sequence error^HL70357', 'PID^1'],
      ['AR', 'E2E-A99', '200^Unsupported message type^HL70357', 'MSH^1^9'],
    ]);
    expect(acks[0]?.ERR?.['8']).toBe('OBR-18 (accession number) is empty; it identifies the order and is required');
    expect(acks[1]?.ERR?.['8']).toBe('MRG-1 names patient NOBODY, whom this archive does not know');
    await expectOnePatient();
    await expectFound();
    expect(await worklist()).toHaveLength(1);

    // Cancelling the order takes its step off the worklist's answer.
    fs.writeFileSync(file, `${ORM('E2E-ORM-CA', 'ORC|CA|PLC-E2E')}\r\n`);
    expect((await mllpSend()).stdout).toContain('MSA|AA|E2E-ORM-CA');
    expect(await worklist()).toHaveLength(0);
  });
});
