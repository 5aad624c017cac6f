import { DimseStatus } from '@tessera/dicom';
import { expectEventually, freePort, repoRoot, writeSyntheticStudy, type SyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);

// Issue 6: one audit message per access to patient data, on every interface (HTTP, DIMSE, HL7),
// each valid against the DICOM audit message schema (PS3.15 A.5.1) as lxml reads it, every
// tenant's trail chained by hash, searchable by administrators only.

interface Record_ {
  readonly eventType: string;
  readonly action: string;
  readonly outcome: number;
  readonly userIds: string[];
  readonly patientIds: string[];
  readonly studyInstanceUIDs: string[];
  readonly message: string;
}

const PATIENT = 'AUDIT-7';

describe.each(MODES)('the audit trail of every interface, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let mllpPort: number;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `audit-${mode}-${process.pid}`);

  const records = async (query = ''): Promise<Record_[]> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?limit=1000${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as Record_[];
  };
  const about = (all: Record_[], eventType: string, action?: string): Record_[] => all.filter((r) => r.eventType === eventType && (action === undefined || r.action === action) && r.studyInstanceUIDs.includes(study.studyInstanceUID));

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 3, { rows: 16, columns: 16, patientId: PATIENT });
    backing = await createBacking(mode, 'audit');
    mllpPort = await freePort();
    tessera = await startTessera(`audit-${mode}`, { ...backing.env, MLLP_PORT: String(mllpPort) });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records one message per access on DIMSE, DICOMweb and HL7, each valid against the DICOM audit schema', async () => {
    // DIMSE: one association storing three instances of one study: one Instances Transferred (create).
    const stored = await storescu(tessera.dimsePort, 'TESSERA', study.files);
    expect(stored.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    await expectEventually(async () => expect(await (await tessera.fetch(`${tessera.dicomweb}/studies?PatientID=${PATIENT}`)).json()).toHaveLength(1), { timeoutMs: 60_000 });
    // DIMSE C-FIND: one Query.
    await run('findscu', ['-S', '-aec', 'TESSERA', '-k', 'QueryRetrieveLevel=STUDY', '-k', `PatientID=${PATIENT}`, '-k', 'StudyInstanceUID', '127.0.0.1', String(tessera.dimsePort)], { env: { ...process.env, TCP_NODELAY: '1' } });
    // DIMSE C-GET: one Instances Transferred (read), to the requester.
    const getDir = path.join(dir, 'got');
    fs.mkdirSync(getDir, { recursive: true });
    await run('getscu', ['-S', '-aec', 'TESSERA', '-od', getDir, '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUID}`, '127.0.0.1', String(tessera.dimsePort)], { env: { ...process.env, TCP_NODELAY: '1' } });
    expect(fs.readdirSync(getDir)).toHaveLength(3);
    // DICOMweb: WADO-RS of the study: one Instances Transferred (read), to the radiologist.
    const wado = await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}`, { headers: { Accept: 'multipart/related; type="application/dicom"' } }, 'radiologist');
    expect(wado.status).toBe(200);
    await wado.arrayBuffer();
    // A request without a token: a failed authentication.
    expect((await fetch(`${tessera.dicomweb}/studies?PatientID=${PATIENT}`)).status).toBe(401);
    // HL7: an ADT update of the patient: one Patient Record (update).
    const adt = ['MSH|^~\\&|RIS|GOOD HEALTH|TESSERA|RADIOLOGY|20261122101500||ADT^A08^ADT_A01|AUD-1|P|2.5.1', 'EVN|A08|20261122101500', `PID|1||${PATIENT}||AUDITED^ANNA||19700101|F`, 'PV1|1|O'].join('\r');
    const ack = await runPeer<{ acks: { MSA: string[] }[] }>('hl7_peer.py', [], { port: mllpPort, messages: [{ text: adt, encoding: 'ascii' }] });
    expect(ack.acks[0]?.MSA[0]).toBe('AA');

    // The records are written once each exchange is over: wait for the last ones.
    let all: Record_[] = [];
    await expectEventually(async () => {
      all = await records();
      expect(all.filter((r) => r.eventType === '110110' && r.patientIds.some((p) => p.startsWith(PATIENT)))).toHaveLength(1);
      expect(about(all, '110104', 'R')).toHaveLength(2);
    }, { timeoutMs: 30_000 });
    expect(about(all, '110104', 'C')).toHaveLength(1); // the association, not each of its three instances
    expect(about(all, '110104', 'C')[0]?.userIds).toContain('STORESCU');
    expect(about(all, '110104', 'R').map((r) => r.userIds.some((u) => u === 'GETSCU') || r.userIds.includes('radiologist'))).toEqual([true, true]);
    const queries = all.filter((r) => r.eventType === '110112');
    expect(queries.filter((r) => r.userIds.includes('FINDSCU'))).toHaveLength(1);
    // QIDO-RS searches by the technologist (the e2e helper's default account), each one recorded.
    expect(queries.filter((r) => r.userIds.includes('technologist')).length).toBeGreaterThanOrEqual(1);
    const authentications = all.filter((r) => r.eventType === '110114');
    expect(authentications.filter((r) => r.outcome === 4).length).toBeGreaterThanOrEqual(1); // the request without a token
    expect(authentications.filter((r) => r.outcome === 0 && r.userIds.includes('radiologist')).length).toBeGreaterThanOrEqual(1); // the radiologist's sign-in

    const schema = path.join(repoRoot(), 'libs', 'audit', 'schema', 'audit-message.rnc');
    const validation = await runPeer<{ results: { valid: boolean; errors: string[] }[] }>('audit_schema.py', [], { schema, messages: all.map((r) => r.message) });
    expect(validation.results.filter((r) => !r.valid)).toEqual([]);
    expect(validation.results).toHaveLength(all.length);
  });

  it('records the frames of a study read by one caller within a minute as one access', async () => {
    const instances = (await (await tessera.fetch(`${tessera.dicomweb}/studies/${study.studyInstanceUID}/instances`)).json()) as Record<string, { Value?: string[] }>[];
    const sop = instances[0]?.['00080018']?.Value?.[0];
    const frame = `${tessera.dicomweb}/studies/${study.studyInstanceUID}/series/${study.seriesInstanceUID}/instances/${sop}/frames/1`;
    const read = async (account: 'radiologist' | 'technologist') => {
      const res = await tessera.fetch(frame, { headers: { Accept: 'multipart/related; type="application/octet-stream"' } }, account);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };
    // A viewer reading frames one after another, and another user reading one.
    for (let i = 0; i < 3; i += 1) await read('radiologist');
    await read('technologist');

    const frameReads = async () => about(await records(), '110104', 'R').filter((r) => r.userIds.some((u) => u.endsWith('/frames/:frames')));
    await expectEventually(async () => expect(await frameReads()).toHaveLength(2), { timeoutMs: 30_000 });
    // Nothing more comes: the radiologist's later reads are part of the access recorded first.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const reads = await frameReads();
    expect(reads.map((r) => ['radiologist', 'technologist'].filter((u) => r.userIds.includes(u))).sort()).toEqual([['radiologist'], ['technologist']]);
  });

  it('keeps each tenant’s trail chained by hash, and records that an administrator read it', async () => {
    const verification = (await (await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records/verification`)).json()) as { ok: boolean; length: number };
    expect(verification).toMatchObject({ ok: true });
    expect(verification.length).toBeGreaterThan(5);
    await expectEventually(async () => expect((await records('&eventType=110101')).length).toBeGreaterThanOrEqual(1), { timeoutMs: 10_000 });
  });

  it('lets only administrators read the trail', async () => {
    expect((await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records`, {}, 'radiologist')).status).toBe(403);
    expect((await fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records`)).status).toBe(401);
  });
});
