import { DimseStatus, generateUid } from '@tessera/dicom';
import { expectEventually, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);

interface FindResult {
  associated: boolean;
  statuses: (number | null)[];
  matches: Record<string, unknown>[];
  extendedNegotiation: number[] | null;
}

describe.each(MODES)('C-FIND SCP with DCMTK findscu and pynetdicom, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  let large: SyntheticStudy;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `query-${mode}-${process.pid}`);
  const japaneseStudy = generateUid();

  const find = (model: 'patient' | 'study', identifier: Record<string, unknown>, extra: { cancelAfter?: number; charset?: string; extendedNegotiation?: number[] } = {}) =>
    runPeer<FindResult>('dimse_peer.py', ['find'], { port: tessera.dimsePort, aet: 'TESSERA', model, identifier, ...extra });

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 30, { rows: 32, columns: 32, patientId: 'QRY-1' });
    // Long enough a result that a C-CANCEL arrives while the SCP is still answering.
    large = writeSyntheticStudy(path.join(dir, 'large'), 1500, { rows: 8, columns: 8, patientId: 'QRY-LARGE' });
    backing = await createBacking(mode, 'query');
    tessera = await startTessera(`query-${mode}`, backing.env);
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    expect((await storescu(tessera.dimsePort, 'TESSERA', large.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    // A Japanese patient, stored in ISO 2022 IR 87 (PS3.5 H.3.1) by pynetdicom.
    const statuses = await runPeer<number[]>('dimse_peer.py', ['store'], {
      port: tessera.dimsePort,
      aet: 'TESSERA',
      datasets: [{ charset: ['', 'ISO 2022 IR 87'], attributes: { PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう', PatientID: 'JP-1', StudyInstanceUID: japaneseStudy, SeriesInstanceUID: generateUid(), Modality: 'OT', StudyDate: '20240301' } }],
    });
    expect(statuses).toEqual([0]);
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/instances?limit=100&PatientID=QRY-1%5CJP-1`);
      expect(((await res.json()) as unknown[]).length).toBe(31);
      const big = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${large.studyInstanceUID}`);
      expect(((await big.json()) as Record<string, { Value?: unknown[] }>[])[0]?.['00201208']?.Value).toEqual([1500]);
    }, { timeoutMs: 180_000, intervalMs: 500 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers DCMTK findscu at study level (Study Root) with the requested return keys', async () => {
    const out = path.join(dir, `findscu-${mode}`);
    fs.mkdirSync(out, { recursive: true });
    await run('findscu', ['-S', '-X', '-od', out, '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', 'PatientID=QRY-1', '-k', 'StudyInstanceUID', '-k', 'NumberOfStudyRelatedInstances', '-k', 'ModalitiesInStudy'], { env: { ...process.env, TCP_NODELAY: '1' } });
    const files = fs.readdirSync(out);
    expect(files).toHaveLength(1);
    const dump = (await run('dcmdump', [path.join(out, files[0] as string)])).stdout;
    expect(dump).toContain(study.studyInstanceUID);
    expect(dump).toMatch(/\(0020,1208\) IS \[30\s*\]/);
    expect(dump).toMatch(/\(0008,0061\) CS \[CT\]/);
  });

  it('matches at every level of both models, with wildcards, ranges and UID lists (pynetdicom)', async () => {
    const patients = await find('patient', { QueryRetrieveLevel: 'PATIENT', PatientID: '', PatientName: '', NumberOfPatientRelatedInstances: '' });
    expect(patients.statuses.at(-1)).toBe(DimseStatus.Success);
    expect(patients.matches.map((m) => [m.PatientID, Number(m.NumberOfPatientRelatedInstances)])).toEqual([['JP-1', 1], ['QRY-1', 30], ['QRY-LARGE', 1500]]);
    const studies = await find('study', { QueryRetrieveLevel: 'STUDY', StudyDate: '20240101-20240331', PatientName: '', StudyInstanceUID: '' });
    expect(studies.matches.map((m) => m.StudyInstanceUID)).toEqual([japaneseStudy]);
    const series = await find('patient', { QueryRetrieveLevel: 'SERIES', PatientID: 'QRY-1', StudyInstanceUID: study.studyInstanceUID, Modality: 'C?', SeriesInstanceUID: '' });
    expect(series.matches.map((m) => m.SeriesInstanceUID)).toEqual([study.seriesInstanceUID]);
    const images = await find('study', { QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: study.studyInstanceUID, InstanceNumber: '3\\7', SOPInstanceUID: '' });
    expect(images.matches).toHaveLength(2);
  });

  it('stops a C-FIND on C-CANCEL with status FE00', async () => {
    const result = await find('study', { QueryRetrieveLevel: 'IMAGE', StudyInstanceUID: large.studyInstanceUID, SOPInstanceUID: '' }, { cancelAfter: 3 });
    expect(result.statuses.at(-1)).toBe(DimseStatus.Cancel);
    expect(result.matches.length).toBeLessThan(1500);
  });

  it('reads and answers Japanese names in ISO 2022 IR 87, and answers in UTF-8 when asked in ISO_IR 192', async () => {
    const inJis = await find('patient', { QueryRetrieveLevel: 'PATIENT', PatientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう', PatientID: '' }, { charset: '\\ISO 2022 IR 87' });
    expect(inJis.matches.map((m) => [m.PatientID, m.PatientName, m.SpecificCharacterSet])).toEqual([['JP-1', 'Yamada^Tarou=山田^太郎=やまだ^たろう', ['', 'ISO 2022 IR 87']]]);
    const inUtf8 = await find('patient', { QueryRetrieveLevel: 'PATIENT', PatientName: 'yamada*', PatientID: '' }, { charset: 'ISO_IR 192' });
    expect(inUtf8.matches.map((m) => [m.PatientName, m.SpecificCharacterSet])).toEqual([['Yamada^Tarou=山田^太郎=やまだ^たろう', 'ISO_IR 192']]);
  });

  it('agrees to relational queries, combined date-time matching and fuzzy semantic matching of person names when proposed, and matches that way only then (pynetdicom)', async () => {
    const identifier = { QueryRetrieveLevel: 'PATIENT', PatientName: 'tarou yamada', PatientID: '' };
    // Proposed: relational-queries, combined date-time matching, fuzzy semantic matching, timezone adjustment (PS3.4 C.5.1.1).
    const fuzzy = await find('patient', identifier, { extendedNegotiation: [1, 1, 1, 1] });
    expect(fuzzy.extendedNegotiation).toEqual([1, 1, 1, 0]);
    expect(fuzzy.matches.map((m) => m.PatientID)).toEqual(['JP-1']);
    const literal = await find('patient', identifier);
    expect(literal.extendedNegotiation).toBeNull();
    expect(literal.statuses).toEqual([DimseStatus.Success]);
    // Combined: the synthetic studies are of 1 January 2025 at 12:00, inside the span from 31 December
    // 13:00 to 1 January 14:00; matched each on its own, 12:00 is not between 13:00 and 14:00.
    const span = { QueryRetrieveLevel: 'STUDY', StudyDate: '20241231-20250101', StudyTime: '130000-140000', StudyInstanceUID: '' };
    const combined = await find('study', span, { extendedNegotiation: [0, 1] });
    expect(combined.extendedNegotiation).toEqual([0, 1]);
    expect(new Set(combined.matches.map((m) => m.StudyInstanceUID))).toEqual(new Set([study.studyInstanceUID, large.studyInstanceUID]));
    expect((await find('study', span)).matches).toEqual([]);
    // Relational: a SERIES-level query keyed on the patient, without the Study Instance UID above it.
    const relational = await find('study', { QueryRetrieveLevel: 'SERIES', PatientID: 'QRY-1', SeriesInstanceUID: '' }, { extendedNegotiation: [1] });
    expect(relational.extendedNegotiation).toEqual([1]);
    expect(relational.matches.map((m) => m.SeriesInstanceUID)).toEqual([study.seriesInstanceUID]);
  });

  it('refuses identifiers that do not fit the model with A900', async () => {
    expect((await find('study', { QueryRetrieveLevel: 'PATIENT', PatientID: '' })).statuses).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
    expect((await find('study', { StudyInstanceUID: '' })).statuses).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
    expect((await find('study', { QueryRetrieveLevel: 'STUDY', SOPInstanceUID: '1.2.3' })).statuses).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
  });
});
