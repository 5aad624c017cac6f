import { expectEventually, freePort, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, python, startTessera, type Backing, type Tessera } from './support/tessera';

interface Ack {
  MSA: [string, string, string];
}
interface RisMessage {
  MSH: Record<string, string>;
  PID: Record<string, string>;
  ORC: Record<string, string>;
  OBR: Record<string, string>;
  ZDS: string;
}
interface PatientSeen {
  PatientID: string;
  IssuerOfPatientID: string;
  PatientName: string;
  PatientSex: string;
}

const hl7 = (type: string, control: string, ...segments: string[]): string => [`MSH|^~\\&|RIS|GOOD HEALTH|TESSERA|RADIOLOGY|20261122101500||${type}|${control}|P|2.5.1`, ...segments].join('\r');

/** The RIS's listener (python-hl7's asyncio MLLP server), with every message it received. */
async function startRis(port: number): Promise<{ received: RisMessage[]; stop: () => void }> {
  const child: ChildProcess = spawn(python(), [path.join(__dirname, 'peers', 'ris_peer.py'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const received: RisMessage[] = [];
  let listening = false;
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const parsed = JSON.parse(line) as RisMessage | { listening: number };
    if ('listening' in parsed) listening = true;
    else received.push(parsed);
  });
  await expectEventually(async () => expect(listening).toBe(true), { timeoutMs: 30_000, intervalMs: 100 });
  return { received, stop: () => child.kill('SIGTERM') };
}

const IMPLICIT = '1.2.840.10008.1.2';

describe.each(MODES)('HL7 results out and demographics on the way out, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `hl7-results-${mode}-${process.pid}`);
  let backing: Backing;
  let tessera: Tessera;
  let ris: Awaited<ReturnType<typeof startRis>>;
  let mllpPort: number;
  const send = async (...messages: string[]): Promise<string[]> => {
    const { acks, error } = await runPeer<{ acks: Ack[]; error?: string }>('hl7_peer.py', [], { port: mllpPort, messages: messages.map((text) => ({ text, encoding: 'ascii' })) });
    expect(error).toBeUndefined();
    return acks.map((a) => `${a.MSA[0]} ${a.MSA[1]}`);
  };
  const qido = async (query: string): Promise<unknown[]> => (await (await tessera.fetch(`${tessera.dicomweb}/studies?${query}`)).json()) as unknown[];

  beforeAll(async () => {
    backing = await createBacking(mode, 'hl7-results');
    const risPort = await freePort();
    mllpPort = await freePort();
    ris = await startRis(risPort);
    tessera = await startTessera(`hl7-results-${mode}`, { ...backing.env, MLLP_PORT: String(mllpPort), STUDY_STABLE_AFTER_S: '1', HL7_RESULTS_DESTINATIONS: `default=127.0.0.1:${risPort}`, HL7_RESULTS_RETRY_MS: '200' });
  });

  afterAll(async () => {
    await tessera?.stop();
    ris?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('returns objects with the surviving patient’s identifiers over WADO-RS after an A40 merge, as stored, transcoded and as metadata', async () => {
    const survivor = writeSyntheticStudy(path.join(dir, 'survivor'), 1, { rows: 8, columns: 8, patientId: 'RES-SURV' });
    const prior = writeSyntheticStudy(path.join(dir, 'prior'), 2, { rows: 8, columns: 8, patientId: 'RES-PRIOR' });
    // The prior study in Implicit VR Little Endian, so that the default retrieval (Explicit VR Little
    // Endian) goes through the transcoder and the coercion together.
    const stored = [...(await storescu(tessera.dimsePort, 'TESSERA', survivor.files)), ...(await storescu(tessera.dimsePort, 'TESSERA', prior.files, IMPLICIT))];
    expect(stored.every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    await expectEventually(async () => expect(await qido('PatientID=RES-SURV%5CRES-PRIOR')).toHaveLength(2), { timeoutMs: 60_000, intervalMs: 250 });

    expect(await send(hl7('ADT^A40^ADT_A39', 'RES-A40', 'EVN|A40', 'PID|1||RES-SURV^^^HOSP||SURVIVING^PATRICIA||19700101|F', 'MRG|RES-PRIOR'))).toEqual(['AA RES-A40']);
    const token = await tessera.token('radiologist');
    const [seen] = await runPeer<{ asStored: PatientSeen[]; transcoded: PatientSeen[]; metadata: PatientSeen[]; pixelBytes: number[] }[]>('dicomweb_peer.py', ['patients'], [{ base: tessera.dicomweb, token, study: prior.studyInstanceUID }]);
    const surviving = { PatientID: 'RES-SURV', IssuerOfPatientID: 'HOSP', PatientName: 'SURVIVING^PATRICIA', PatientSex: 'F' };
    expect(seen?.asStored).toEqual([surviving, surviving]);
    expect(seen?.transcoded).toEqual([surviving, surviving]);
    expect(seen?.metadata).toEqual([surviving, surviving]);
    // The rest of each object came through: pydicom reads it to its pixel data.
    expect(seen?.pixelBytes).toEqual([128, 128]);
  });

  it('sends the RIS an order status when the study of an order has arrived and settled', async () => {
    const omi = hl7(
      'ORM^O01^ORM_O01',
      'RES-ORM',
      'PID|1||RES-ORD^^^HOSP||ORDERED^OLIVER||19800202|M',
      'ORC|NW|PLC-RES|FIL-RES',
      'OBR|1|PLC-RES|FIL-RES|CTCHEST^CT chest^LOCAL||||||||||||||ACC-RES|RP-RES|SPS-RES|CT1|||CT|||^^^202611221030',
    );
    expect(await send(omi)).toEqual(['AA RES-ORM']);
    const study = writeSyntheticStudy(path.join(dir, 'ordered'), 2, { rows: 8, columns: 8, patientId: 'RES-ORD', accessionNumber: 'ACC-RES' });
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);

    await expectEventually(async () => expect(ris.received.some((m) => m.OBR['18'] === 'ACC-RES')).toBe(true), { timeoutMs: 60_000, intervalMs: 250 });
    const sent = ris.received.filter((m) => m.OBR['18'] === 'ACC-RES');
    expect(sent).toHaveLength(1);
    const [status] = sent as [RisMessage];
    expect(status.MSH).toMatchObject({ '3': 'TESSERA', '9': 'ORM^O01', '11': 'P', '12': '2.3.1' });
    expect(status.PID).toMatchObject({ '3': 'RES-ORD', '3.4': 'HOSP' });
    expect(status.ORC).toEqual({ '1': 'SC', '2': 'PLC-RES', '3': 'FIL-RES', '5': 'CM' });
    expect(status.OBR).toEqual({ '2': 'PLC-RES', '18': 'ACC-RES', '19': 'RP-RES', '20': 'SPS-RES', '24': 'CT' });
    expect(status.ZDS).toBe(study.studyInstanceUID);
    // Tessera took the RIS's AA as the end of it.
    const delivered = (): Record<string, unknown>[] =>
      fs
        .readFileSync(tessera.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.msg === 'HL7 result delivered' && entry.controlId === status.MSH['10']);
    await expectEventually(async () => expect(delivered().map((e) => e.acknowledgement)).toEqual(['AA']), { timeoutMs: 10_000, intervalMs: 100 });
  });
});
