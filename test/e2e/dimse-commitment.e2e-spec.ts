import { generateUid, readFileMeta } from '@tessera/dicom';
import { expectEventually, freePort, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { Orthanc } from './support/orthanc';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';

interface Report {
  association: 'same' | 'separate';
  eventTypeId: number;
  transactionUid: string;
  committed: string[];
  failed: [string, number][];
}
interface CommitmentResult {
  associated?: boolean;
  actionStatus?: number | null;
  report: Report | null;
}

const sopOf = (file: string): string => (readFileMeta(fs.readFileSync(file), true) as NonNullable<ReturnType<typeof readFileMeta>>).meta.mediaStorageSOPInstanceUID;

describe.each(MODES)('Storage Commitment Push Model SCP with pynetdicom and Orthanc, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let uids: string[];
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `commitment-${mode}-${process.pid}`);

  const register = async (aeTitle: string, port: number): Promise<void> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/${aeTitle}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ host: '127.0.0.1', port, allowedOperations: ['ECHO', 'STORE', 'COMMIT'] }),
    });
    expect(res.ok).toBe(true);
  };
  const commit = (references: [string, string][], request: Record<string, unknown>) =>
    runPeer<CommitmentResult>('commitment_peer.py', ['request'], { port: tessera.dimsePort, aet: 'TESSERA', callingAet: 'MODALITY', transactionUid: generateUid(), references, ...request });
  const status = async (transactionUid: string) => (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/storage-commitments/${transactionUid}`)).json() as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 4, { rows: 16, columns: 16, patientId: 'COMMIT-1' });
    uids = study.files.map(sopOf);
    backing = await createBacking(mode, 'commitment');
    tessera = await startTessera(`commitment-${mode}`, backing.env);
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports on the same association: stored instances committed, an unknown one 0112, a wrong class 0119', async () => {
    const [a, b] = uids as [string, string];
    const result = await commit([[CT, a], [CT, b], [CT, '1.2.3.999'], [MR, uids[2] as string]], { wait: 'same' });
    expect(result.actionStatus).toBe(0);
    expect(result.report).toMatchObject({ association: 'same', eventTypeId: 2, committed: [a, b], failed: [['1.2.3.999', 0x0112], [uids[2], 0x0119]] });
    expect(await status(result.report?.transactionUid as string)).toMatchObject({ state: 'reported', attempts: 1 });
  });

  it('reports on a new association to the registered requester once it has released, event type 1', async () => {
    const listenPort = await freePort();
    await register('MODALITY', listenPort);
    const result = await commit(uids.map((u) => [CT, u]), { wait: 'separate', listenPort });
    expect(result.actionStatus).toBe(0);
    expect(result.report).toMatchObject({ association: 'separate', eventTypeId: 1, committed: uids, failed: [] });
  });

  it('keeps an undelivered report and delivers it once the requester listens', async () => {
    const listenPort = await freePort();
    await register('MODALITY', listenPort);
    const transactionUid = generateUid();
    const asked = await commit([[CT, uids[0] as string]], { wait: 'none', transactionUid });
    expect(asked.actionStatus).toBe(0);
    await expectEventually(async () => expect(await status(transactionUid)).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED|refused/) }));
    // The first retry comes about ten seconds after the failed delivery.
    const late = await runPeer<CommitmentResult>('commitment_peer.py', ['request'], { callingAet: 'MODALITY', listenOnly: true, listenPort, timeout: 40 });
    expect(late.report).toMatchObject({ association: 'separate', eventTypeId: 1, transactionUid, committed: [uids[0]] });
    expect(await status(transactionUid)).toMatchObject({ state: 'reported', attempts: 2 });
  });

  it('does not commit an object whose stored bytes no longer match its digest (0110)', async () => {
    const victim = uids[3] as string;
    const key = (await backing.objectKeys()).find((k) => k.includes(`/${victim}/`)) as string;
    await backing.overwrite(key, Buffer.concat([fs.readFileSync(study.files[3] as string), Buffer.from('tampered')]));
    const result = await commit([[CT, victim], [CT, uids[0] as string]], { wait: 'same' });
    expect(result.report).toMatchObject({ eventTypeId: 2, committed: [uids[0]], failed: [[victim, 0x0110]] });
  });

  it('refuses malformed requests with the N-ACTION status that names the problem', async () => {
    const ref: [string, string][] = [[CT, uids[0] as string]];
    expect((await commit(ref, { wait: 'none', omit: ['TransactionUID'] })).actionStatus).toBe(0x0115);
    expect((await commit(ref, { wait: 'none', omit: ['ReferencedSOPSequence'] })).actionStatus).toBe(0x0115);
    expect((await commit(ref, { wait: 'none', actionTypeId: 2 })).actionStatus).toBe(0x0123);
    expect((await commit(ref, { wait: 'none', instanceUid: '1.2.3' })).actionStatus).toBe(0x0112);
  });

  it('answers Orthanc as storage commitment SCU, reporting on a new association', async () => {
    const orthanc = await Orthanc.start(path.join(dir, 'orthanc'), { tessera: ['TESSERA', '127.0.0.1', tessera.dimsePort] });
    try {
      await register('ORTHANC', orthanc.dicomPort);
      const job = await orthanc.rest<{ ID: string }>('/modalities/tessera/storage-commitment', { DicomInstances: [[CT, uids[0]], [CT, uids[1]], [CT, '1.2.3.998']], Timeout: 30 });
      await expectEventually(async () => {
        const report = await orthanc.rest<{ Status: string; Success: { SOPInstanceUID: string }[]; Failures: { SOPInstanceUID: string; FailureReason: number }[] }>(`/storage-commitment/${job.ID}`);
        expect(report.Status).toBe('Failure');
        expect(report.Success.map((s) => s.SOPInstanceUID).sort()).toEqual([uids[0], uids[1]].sort());
        expect(report.Failures).toEqual([expect.objectContaining({ SOPInstanceUID: '1.2.3.998', FailureReason: 0x0112 })]);
      }, { timeoutMs: 30_000, intervalMs: 250 });
    } finally {
      await orthanc.stop();
    }
  });
});
