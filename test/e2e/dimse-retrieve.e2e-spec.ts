import { DimseStatus, TransferSyntaxUIDs } from '@tessera/dicom';
import { expectEventually, freePort, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ReferenceStoreScp, storescu } from './support/dcmtk';
import { asExplicitLittleEndian, byUid, dataSetOf, pixelDataOf } from './support/dicom-files';
import { Orthanc } from './support/orthanc';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';

interface RetrieveResponse {
  status: number | null;
  remaining: number | null;
  completed: number | null;
  failed: number | null;
  warning: number | null;
  failedList: string[] | null;
}
interface RetrieveResult {
  associated: boolean;
  responses: RetrieveResponse[];
  received?: { sop: string; transferSyntax: string; sha256: string }[];
  extendedNegotiation?: number[] | null;
}

describe.each(MODES)('C-MOVE and C-GET SCP with DCMTK, pynetdicom and Orthanc, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let large: SyntheticStudy;
  let mixed: { studyInstanceUID: string; files: string[]; explicitOriginals: string[] };
  let refscp: ReferenceStoreScp;
  let implicitScp: ReferenceStoreScp;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `retrieve-${mode}-${process.pid}`);

  const register = async (aeTitle: string, entry: Record<string, unknown>): Promise<void> => {
    const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/${aeTitle}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '127.0.0.1', ...entry }) });
    expect(res.ok).toBe(true);
  };
  const move = (identifier: Record<string, unknown>, destination: string, extra: Record<string, unknown> = {}) =>
    runPeer<RetrieveResult>('dimse_peer.py', ['move'], { port: tessera.dimsePort, aet: 'TESSERA', model: 'study', identifier, destination, ...extra });
  const get = (identifier: Record<string, unknown>, storage: { sopClass: string; transferSyntaxes: string[] }[], extra: Record<string, unknown> = {}) =>
    runPeer<RetrieveResult>('dimse_peer.py', ['get'], { port: tessera.dimsePort, aet: 'TESSERA', model: 'study', identifier, storage, ...extra });
  const studyKeys = (uid: string) => ({ QueryRetrieveLevel: 'STUDY', StudyInstanceUID: uid });
  const clear = (scp: ReferenceStoreScp) => scp.files().forEach((f) => fs.rmSync(f));

  beforeAll(async () => {
    study = writeSyntheticStudy(path.join(dir, 'study'), 12, { rows: 16, columns: 16, patientId: 'RET-1' });
    large = writeSyntheticStudy(path.join(dir, 'large'), 400, { rows: 8, columns: 8, patientId: 'RET-LARGE' });
    // One study stored in four transfer syntaxes: as generated, and re-encoded by DCMTK.
    const base = writeSyntheticStudy(path.join(dir, 'mixed'), 4, { rows: 16, columns: 16, patientId: 'RET-MIXED', texture: true });
    const [ele, toImplicit, toBig, toJpeg] = base.files as [string, string, string, string];
    const files = [ele, path.join(dir, 'mixed-implicit.dcm'), path.join(dir, 'mixed-big.dcm'), path.join(dir, 'mixed-jpeg.dcm')] as const;
    await run('dcmconv', ['+ti', toImplicit, files[1]]);
    await run('dcmconv', ['+tb', toBig, files[2]]);
    await run('dcmcjpeg', [toJpeg, files[3]]);
    mixed = { studyInstanceUID: base.studyInstanceUID, files: [...files], explicitOriginals: [ele, toImplicit, toBig, toJpeg] };

    backing = await createBacking(mode, 'retrieve');
    tessera = await startTessera(`retrieve-${mode}`, backing.env);
    for (const files of [study.files, large.files]) expect((await storescu(tessera.dimsePort, 'TESSERA', files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    const syntaxes = [undefined, TransferSyntaxUIDs.ImplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRBigEndian, JPEG_LOSSLESS_SV1];
    for (const [i, file] of mixed.files.entries()) expect(await storescu(tessera.dimsePort, 'TESSERA', [file], syntaxes[i])).toEqual([{ kind: 'status', status: 0 }]);

    refscp = await ReferenceStoreScp.start(path.join(dir, 'refscp'));
    implicitScp = await ReferenceStoreScp.start(path.join(dir, 'implicit-scp'), { aeTitle: 'IMPLICITSCP', implicitOnly: true });
    await register('REFSCP', { port: refscp.port });
    await register('IMPLICITSCP', { port: implicitScp.port });
    await register('DOWN', { port: await freePort() });
    // A workstation that may move only to REFSCP.
    await register('LIMITED', { port: 104, allowedOperations: ['ECHO', 'MOVE'], moveDestinations: ['REFSCP'] });
  });

  afterAll(async () => {
    await refscp?.stop();
    await implicitScp?.stop();
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('moves a study to DCMTK storescp for DCMTK movescu, every data set byte-identical to the one sent', async () => {
    clear(refscp);
    const { stdout, stderr } = await run('movescu', ['-v', '-S', '-aet', 'MOVESCU', '-aec', 'TESSERA', '-aem', 'REFSCP', '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUID}`], { env: DCMTK_ENV });
    expect(stdout + stderr).toContain('Received Final Move Response (Success)');
    expect(byUid(refscp.files())).toEqual(byUid(study.files));
  });

  it('reports each sub-operation in a pending response with the right counts (pynetdicom)', async () => {
    clear(refscp);
    const result = await move({ QueryRetrieveLevel: 'SERIES', StudyInstanceUID: study.studyInstanceUID, SeriesInstanceUID: study.seriesInstanceUID }, 'REFSCP');
    const pending = result.responses.filter((r) => r.status === DimseStatus.Pending);
    expect(pending.map((r) => [r.remaining, r.completed])).toEqual(Array.from({ length: 12 }, (_, i) => [11 - i, i + 1]));
    expect(result.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 12, failed: 0, warning: 0, failedList: null });
  });

  it('sends each object in the syntax it is stored in where the destination accepts it, compressed ones included', async () => {
    clear(refscp);
    const result = await move(studyKeys(mixed.studyInstanceUID), 'REFSCP');
    expect(result.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 4 });
    expect(byUid(refscp.files())).toEqual(byUid(mixed.files));
  });

  it('re-encodes native objects and decodes the JPEG Lossless one for a destination that accepts only Implicit VR Little Endian', async () => {
    clear(implicitScp);
    const result = await move(studyKeys(mixed.studyInstanceUID), 'IMPLICITSCP');
    expect(result.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 4, failed: 0, warning: 0 });
    const received = implicitScp.files();
    expect(received.map((f) => dataSetOf(f).transferSyntax)).toEqual(Array(4).fill(TransferSyntaxUIDs.ImplicitVRLittleEndian));
    // Same values as the originals: DCMTK's Explicit VR re-encoding of each gives the same bytes. For the
    // JPEG Lossless one, the original is DCMTK's own decode of it (dcmdjpeg).
    const jpeg = mixed.files[3] as string;
    const jpegUid = dataSetOf(jpeg).sop;
    const decodedByDcmtk = path.join(dir, 'mixed-jpeg-dcmdjpeg.dcm');
    await run('dcmdjpeg', [jpeg, decodedByDcmtk]);
    const originals = new Map(mixed.explicitOriginals.map((f) => [dataSetOf(f).sop, f]));
    originals.set(jpegUid, decodedByDcmtk);
    for (const [i, file] of received.entries()) {
      const original = originals.get(dataSetOf(file).sop) as string;
      expect(await asExplicitLittleEndian(file, path.join(dir, `implicit-${i}-got.dcm`))).toBe(await asExplicitLittleEndian(original, path.join(dir, `implicit-${i}-want.dcm`)));
    }
    const decoded = received.find((f) => dataSetOf(f).sop === jpegUid) as string;
    const pixels = pixelDataOf(decoded);
    expect(pixels.length).toBe(16 * 16 * 2);
    expect(pixels.equals(pixelDataOf(decodedByDcmtk))).toBe(true);
    // Lossless: DCMTK's decode and Tessera's both give back the pixels that were compressed.
    expect(pixels.equals(pixelDataOf(mixed.explicitOriginals[3] as string))).toBe(true);
  });

  it('refuses an unregistered destination (A801), a destination the caller may not use (0124) and a bad identifier (A900)', async () => {
    expect((await move(studyKeys(study.studyInstanceUID), 'NOWHERE')).responses.map((r) => r.status)).toEqual([DimseStatus.MoveDestinationUnknown]);
    expect((await move(studyKeys(study.studyInstanceUID), 'IMPLICITSCP', { callingAet: 'LIMITED' })).responses.map((r) => r.status)).toEqual([DimseStatus.NotAuthorized]);
    expect((await move({ QueryRetrieveLevel: 'SERIES', SeriesInstanceUID: study.seriesInstanceUID }, 'REFSCP')).responses.map((r) => r.status)).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
  });

  it('fails every sub-operation with A702 and the Failed SOP Instance UID List when the destination cannot be reached', async () => {
    const result = await move(studyKeys(study.studyInstanceUID), 'DOWN');
    const final = result.responses.at(-1) as RetrieveResponse;
    expect(final).toMatchObject({ status: DimseStatus.UnableToPerformSubOperations, completed: 0, failed: 12 });
    expect(new Set(final.failedList)).toEqual(new Set(study.files.map((f) => dataSetOf(f).sop)));
  });

  it('stops a C-MOVE on C-CANCEL with FE00 and the number that remained', async () => {
    clear(refscp);
    const result = await move(studyKeys(large.studyInstanceUID), 'REFSCP', { cancelAfter: 3 });
    const final = result.responses.at(-1) as RetrieveResponse;
    expect(final.status).toBe(DimseStatus.Cancel);
    expect(final.completed).toBeGreaterThanOrEqual(3);
    expect((final.remaining as number) + (final.completed as number)).toBe(400);
    expect(refscp.files().length).toBe(final.completed);
  });

  it('stops sending when the requester aborts in the middle of a C-MOVE, and keeps serving', async () => {
    clear(refscp);
    const result = await move(studyKeys(large.studyInstanceUID), 'REFSCP', { abortAfter: 3 });
    expect(result.responses).toHaveLength(3);
    await expectEventually(async () => expect(fs.readFileSync(tessera.logFile, 'utf8')).toMatch(/"msg":"C-MOVE done".*"instances":400,.*"cancelled":true/));
    const sent = refscp.files().length;
    expect(sent).toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(refscp.files().length).toBe(sent);
    await run('echoscu', ['-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort)], { env: DCMTK_ENV });
  });

  it('answers DCMTK getscu over its own association, every data set byte-identical', async () => {
    const out = path.join(dir, 'getscu');
    fs.mkdirSync(out, { recursive: true });
    const { stdout, stderr } = await run('getscu', ['-v', '-S', '-aec', 'TESSERA', '-od', out, '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study.studyInstanceUID}`], { env: DCMTK_ENV });
    expect(stdout + stderr).toMatch(/Number of Completed Suboperations : 12/);
    expect(byUid(fs.readdirSync(out).map((f) => path.join(out, f)))).toEqual(byUid(study.files));
  });

  it('answers pynetdicom C-GET with the stored bytes and counts, and fails what the requester cannot receive', async () => {
    const result = await get({ QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: study.studyInstanceUID, SeriesInstanceUID: study.seriesInstanceUID, SOPInstanceUID: study.files.slice(0, 5).map((f) => dataSetOf(f).sop) }, [
      { sopClass: CT_IMAGE_STORAGE, transferSyntaxes: [TransferSyntaxUIDs.ExplicitVRLittleEndian] },
    ]);
    expect(result.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 5, failed: 0 });
    expect(new Map(result.received?.map((r) => [r.sop, { transferSyntax: r.transferSyntax, sha256: r.sha256 }]))).toEqual(byUid(study.files.slice(0, 5)));
    // Offering to receive only Secondary Capture: no CT instance can be sent (PS3.4 C.4.3.3.1).
    const refused = await get(studyKeys(study.studyInstanceUID), [{ sopClass: '1.2.840.10008.5.1.4.1.1.7', transferSyntaxes: [TransferSyntaxUIDs.ExplicitVRLittleEndian] }]);
    expect(refused.responses.at(-1)).toMatchObject({ status: DimseStatus.UnableToPerformSubOperations, completed: 0, failed: 12 });
    expect(refused.responses.at(-1)?.failedList).toHaveLength(12);
  });

  it('serves relational retrieve where it was negotiated: instances by SOP Instance UID alone (C-GET), a series by its UID alone (C-MOVE)', async () => {
    const sops = study.files.slice(0, 3).map((f) => dataSetOf(f).sop);
    const storage = [{ sopClass: CT_IMAGE_STORAGE, transferSyntaxes: [TransferSyntaxUIDs.ExplicitVRLittleEndian] }];
    // Proposed: relational-retrieval and enhanced multi-frame image conversion (PS3.4 C.5.3.1.1).
    const relational = await get({ QueryRetrieveLevel: 'IMAGE', SOPInstanceUID: sops }, storage, { extendedNegotiation: [1, 1] });
    expect(relational.extendedNegotiation).toEqual([1, 0]);
    expect(relational.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 3, failed: 0 });
    expect(new Map(relational.received?.map((r) => [r.sop, { transferSyntax: r.transferSyntax, sha256: r.sha256 }]))).toEqual(byUid(study.files.slice(0, 3)));
    // Without it, the unique keys of the levels above are required (A900).
    const hierarchical = await get({ QueryRetrieveLevel: 'IMAGE', SOPInstanceUID: sops }, storage);
    expect(hierarchical.extendedNegotiation).toBeNull();
    expect(hierarchical.responses.map((r) => r.status)).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
    // A series without its study is looked up in the index, which may lag the store by a moment.
    await expectEventually(async () => {
      clear(refscp);
      const moved = await move({ QueryRetrieveLevel: 'SERIES', SeriesInstanceUID: study.seriesInstanceUID }, 'REFSCP', { extendedNegotiation: [1] });
      expect(moved.extendedNegotiation).toEqual([1]);
      expect(moved.responses.at(-1)).toMatchObject({ status: DimseStatus.Success, completed: 12, failed: 0 });
    }, { timeoutMs: 60_000 });
    expect(byUid(refscp.files())).toEqual(byUid(study.files));
  });

  it('stops a C-GET on C-CANCEL with FE00', async () => {
    const result = await get(studyKeys(large.studyInstanceUID), [{ sopClass: CT_IMAGE_STORAGE, transferSyntaxes: [TransferSyntaxUIDs.ExplicitVRLittleEndian] }], { cancelAfter: 3 });
    const final = result.responses.at(-1) as RetrieveResponse;
    expect(final.status).toBe(DimseStatus.Cancel);
    expect((final.remaining as number) + (final.completed as number)).toBe(400);
    expect(result.received).toHaveLength(final.completed as number);
  });

  describe('with Orthanc', () => {
    let orthanc: Orthanc;

    beforeAll(async () => {
      orthanc = await Orthanc.start(path.join(dir, 'orthanc'), { tessera: ['TESSERA', '127.0.0.1', tessera.dimsePort], movescu: ['MOVESCU', '127.0.0.1', 104] });
      await register('ORTHANC', { port: orthanc.dicomPort });
    });

    afterAll(async () => {
      await orthanc?.stop();
    });

    it('moves a study from Tessera into Orthanc when Orthanc asks, byte-identical', async () => {
      await orthanc.rest('/modalities/tessera/move', { Level: 'Study', Resources: [{ StudyInstanceUID: study.studyInstanceUID }], TargetAet: 'ORTHANC', Synchronous: true });
      const studies = await orthanc.rest<{ ID: string; MainDicomTags: { StudyInstanceUID: string } }[]>('/studies?expand');
      const inOrthanc = studies.find((s) => s.MainDicomTags.StudyInstanceUID === study.studyInstanceUID);
      expect(inOrthanc).toBeDefined();
      const instances = await orthanc.rest<{ ID: string }[]>(`/studies/${inOrthanc?.ID}/instances`);
      const files = await Promise.all(instances.map((i) => orthanc.file(i.ID)));
      expect(byUid(files)).toEqual(byUid(study.files));
    });

    it('receives a study that Orthanc moves into Tessera', async () => {
      const other = writeSyntheticStudy(path.join(dir, 'for-orthanc'), 3, { rows: 16, columns: 16, patientId: 'RET-ORTHANC' });
      expect(await storescu(orthanc.dicomPort, 'ORTHANC', other.files)).toEqual(other.files.map(() => ({ kind: 'status', status: 0 })));
      const { stdout, stderr } = await run('movescu', ['-v', '-S', '-aet', 'MOVESCU', '-aec', 'ORTHANC', '-aem', 'TESSERA', '127.0.0.1', String(orthanc.dicomPort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${other.studyInstanceUID}`], { env: DCMTK_ENV });
      expect(stdout + stderr).toContain('Received Final Move Response (Success)');
      await expectEventually(async () => {
        const res = await tessera.fetch(`${tessera.dicomweb}/studies/${other.studyInstanceUID}/instances`);
        expect(((await res.json()) as unknown[]).length).toBe(3);
      });
    });
  });
});
