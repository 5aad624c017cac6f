import { expectEventually, freePort, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

type Attributes = Record<string, { Value?: unknown[] }>;
interface Merge {
  mergeId: string;
  prior: { patientID: string };
  survivor: { patientID: string };
  movedStudyInstanceUIDs: string[];
  undoneAt?: string;
}
interface AuditRecord {
  eventType: string;
  action: string;
  patientIds: string[];
  userIds: string[];
}

/** An HL7 v2.5.1 message as a RIS sends it. */
const hl7 = (type: string, control: string, ...segments: string[]): string => [`MSH|^~\\&|RIS|GOOD HEALTH|TESSERA|RADIOLOGY|20261122101500||${type}|${control}|P|2.5.1`, ...segments].join('\r');

describe.each(MODES)('undoing a patient merge: python-hl7 sends the A40, an administrator undoes it, QIDO shows two patients again, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `merge-undo-${mode}-${process.pid}`);
  let backing: Backing;
  let tessera: Tessera;
  let mllpPort: number;
  const qido = async (query: string): Promise<Attributes[]> => {
    const res = await tessera.fetch(`${tessera.dicomweb}/studies?${query}`);
    return res.status === 204 ? [] : ((await res.json()) as Attributes[]);
  };
  const patientsOf = (studies: Attributes[]): string[] => [...new Set(studies.map((s) => String(s['00100020']?.Value?.[0])))].sort();
  const merges = async (): Promise<Merge[]> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/patient-merges`);
    expect(res.status).toBe(200);
    return (await res.json()) as Merge[];
  };

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    backing = await createBacking(mode, 'merge-undo');
    mllpPort = await freePort();
    tessera = await startTessera(`merge-undo-${mode}`, { ...backing.env, MLLP_PORT: String(mllpPort) });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('restores the prior patient and the studies the merge moved; the undo is an event, audited, and done once', async () => {
    const kept = writeSyntheticStudy(path.join(dir, 'kept'), 1, { rows: 8, columns: 8, patientId: 'UNDO-KEEP', accessionNumber: 'UNDO-ACC-1' });
    const gone = writeSyntheticStudy(path.join(dir, 'gone'), 2, { rows: 8, columns: 8, patientId: 'UNDO-GONE', accessionNumber: 'UNDO-ACC-2' });
    for (const study of [kept, gone]) expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    const both = 'PatientID=UNDO-KEEP%5CUNDO-GONE&includefield=00100010';
    await expectEventually(async () => expect(patientsOf(await qido(both))).toEqual(['UNDO-GONE', 'UNDO-KEEP']), { timeoutMs: 60_000, intervalMs: 250 });

    const { acks } = await runPeer<{ acks: { MSA: string[] }[] }>('hl7_peer.py', [], {
      port: mllpPort,
      messages: [
        hl7('ADT^A08^ADT_A01', 'UNDO-A08', 'EVN|A08|20261122101500', 'PID|1||UNDO-KEEP||KEEPER^ANNA||19700101|F', 'PV1|1|O'),
        hl7('ADT^A40^ADT_A39', 'UNDO-A40', 'EVN|A40|20261122101600', 'PID|1||UNDO-KEEP||KEEPER^ANNA||19700101|F', 'MRG|UNDO-GONE'),
      ].map((text) => ({ text, encoding: 'ascii' })),
    });
    expect(acks.map((a) => a.MSA[0])).toEqual(['AA', 'AA']);
    expect(patientsOf(await qido(both))).toEqual(['UNDO-KEEP']);
    expect(await qido('PatientID=UNDO-GONE')).toEqual([]);

    const [merge] = await merges();
    expect(merge).toMatchObject({ prior: { patientID: 'UNDO-GONE' }, survivor: { patientID: 'UNDO-KEEP' }, movedStudyInstanceUIDs: [gone.studyInstanceUID] });
    const undoUrl = `${tessera.baseUrl}/admin/tenants/default/patient-merges/${merge?.mergeId}/undo`;
    // Undoing is an administrator's (tenant:manage): a technologist may not.
    expect((await tessera.fetch(undoUrl, { method: 'POST' }, 'technologist')).status).toBe(403);

    const undone = await tessera.fetch(undoUrl, { method: 'POST' });
    expect(undone.status).toBe(200);
    expect(await undone.json()).toMatchObject({ mergeId: merge?.mergeId, prior: { patientID: 'UNDO-GONE' }, survivor: { patientID: 'UNDO-KEEP' }, restoredStudyInstanceUIDs: [gone.studyInstanceUID] });

    // QIDO at once (the answer came after the commit): two patients, each study under its own, with its own demographics.
    const studies = await qido(both);
    expect(patientsOf(studies)).toEqual(['UNDO-GONE', 'UNDO-KEEP']);
    const byStudy = Object.fromEntries(studies.map((s) => [String(s['0020000D']?.Value?.[0]), [s['00100020']?.Value?.[0], (s['00100010']?.Value?.[0] as { Alphabetic?: string } | undefined)?.Alphabetic]]));
    expect(byStudy[kept.studyInstanceUID]).toEqual(['UNDO-KEEP', 'KEEPER^ANNA']);
    expect(byStudy[gone.studyInstanceUID]?.[0]).toBe('UNDO-GONE');
    expect(byStudy[gone.studyInstanceUID]?.[1]).not.toBe('KEEPER^ANNA');

    // Done once: the merge is marked undone, and a second undo is refused.
    expect((await merges())[0]?.undoneAt).toEqual(expect.any(String));
    expect((await tessera.fetch(undoUrl, { method: 'POST' })).status).toBe(409);
    expect((await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/patient-merges/999999/undo`, { method: 'POST' })).status).toBe(404);

    // Audited: the prior patient's record created again, the survivor's updated (PS3.15 A.5.3, Patient Record 110110).
    await expectEventually(
      async () => {
        const records = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?limit=1000&eventType=110110`)).json()) as AuditRecord[];
        const ofUndo = records.filter((r) => r.userIds.some((u) => !u.includes('RIS')));
        expect(ofUndo.map((r) => [r.action, r.patientIds.map((p) => p.split('^')[0])]).sort()).toEqual([
          ['C', ['UNDO-GONE']],
          ['U', ['UNDO-KEEP']],
        ]);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });
});
