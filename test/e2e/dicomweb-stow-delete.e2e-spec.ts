import { expectEventually, repoRoot, requireInfra } from '@tessera/testing';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runPeer } from './support/python';
import { createBacking, MODES, pydicomTestFiles, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);

interface BulkResult {
  file: string;
  status: number;
  bulkParts: number;
  referenced: string[];
  transferSyntax: string;
  sentTransferSyntax: string;
  pixelsIdentical: boolean;
  attributesIdentical: boolean;
}

// STOW-RS of DICOM JSON metadata with bulk data parts (PS3.18 10.5.1.2), built by a Python peer from
// pydicom's test files and checked with dicomweb-client's retrieval.
describe.each(MODES)('STOW-RS metadata and bulk data, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;

  beforeAll(async () => {
    backing = await createBacking(mode, 'stowbulk');
    tessera = await startTessera(`stowbulk-${mode}`, backing.env);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
  });

  it('stores native and JPEG pixel data sent as bulk data parts, pixel-identical on retrieval', async () => {
    const files = ['CT_small.dcm', 'SC_rgb_jpeg_dcmtk.dcm'].map((f) => path.join(pydicomTestFiles(), f));
    const results = await runPeer<BulkResult[]>('dicomweb_stow_delete_peer.py', ['bulk'], { base: tessera.dicomweb, token: await tessera.token('technologist'), files });
    expect(results).toEqual([
      expect.objectContaining({ file: 'CT_small.dcm', status: 200, transferSyntax: '1.2.840.10008.1.2.1', pixelsIdentical: true, attributesIdentical: true }),
      expect.objectContaining({ file: 'SC_rgb_jpeg_dcmtk.dcm', status: 200, transferSyntax: '1.2.840.10008.1.2.4.50', pixelsIdentical: true, attributesIdentical: true }),
    ]);
    for (const r of results) expect(r.referenced).toHaveLength(1);
  });

  it('refuses a malformed body, a missing boundary, a truncated part and an unknown Content-Location, and stores none of them', async () => {
    const study = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
    const sentinel = `${study}.9`;
    const token = await tessera.token('technologist');
    const out = await runPeer<{ statuses: Record<string, number>; reasons: Record<string, unknown> }>('dicomweb_stow_delete_peer.py', ['bad'], {
      base: tessera.dicomweb,
      token,
      file: path.join(pydicomTestFiles(), 'CT_small.dcm'),
      study,
      sentinel,
    });
    expect(out.statuses).toEqual({ malformed: 400, missingBoundary: 400, truncated: 400, unknownLocation: 409, sentinel: 200 });
    // C000H: the instance cannot be assembled, its BulkDataURI naming no part.
    expect(out.reasons.unknownLocation).toEqual([0xc000]);
    // The index sees a study's events in order: once the sentinel, sent last, is visible, anything stored before it would be too.
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/studies/${study}/instances`, { headers: { Accept: 'application/dicom+json' } });
      expect(res.status).toBe(200);
      const instances = (await res.json()) as Record<string, { Value?: unknown[] }>[];
      expect(instances.map((i) => i['00080018']?.Value?.[0])).toEqual([sentinel]);
    }, { timeoutMs: 60_000 });
  });
});

interface Seen {
  readonly type: string;
  readonly key: string;
  readonly data: Record<string, unknown>;
}

// Deletion of a series, then of the study (docs/conformance.md 4.2.2.8): stored with dicomweb-client,
// deleted with an administrator's token, then looked for over QIDO-RS and WADO-RS (dicomweb-client),
// C-FIND (DCMTK findscu) and in the object store itself. Purged at once (DELETION_PURGE_AFTER_S=0).
describe.each(MODES)('deletion of a series and a study, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let consumer: Consumer | undefined;
  const seen: Seen[] = [];
  const study = `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`)}`;
  const [first, second] = [`${study}.1`, `${study}.2`];
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `deletion-${mode}-${process.pid}`);
  const keysOfStudy = async () => (await backing.objectKeys()).filter((k) => k.includes(study));
  const gone = async (series: string) => runPeer<{ studies: number; seriesOfStudy: string[]; retrieveSeries: number }>('dicomweb_stow_delete_peer.py', ['gone'], { base: tessera.dicomweb, token: await tessera.token('radiologist'), study, series });
  // The studies C-FIND (DCMTK findscu, Study Root) matches: one file per match.
  let finds = 0;
  const cFind = async (): Promise<number> => {
    const out = path.join(dir, `findscu-${++finds}`);
    fs.mkdirSync(out, { recursive: true });
    await run('findscu', ['-S', '-X', '-od', out, '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study}`], { env: { ...process.env, TCP_NODELAY: '1' } });
    return fs.readdirSync(out).length;
  };
  const remove = (url: string, account: 'admin' | 'radiologist' = 'admin') => tessera.fetch(url, { method: 'DELETE', headers: { Accept: 'application/json' } }, account);

  beforeAll(async () => {
    backing = await createBacking(mode, 'deletion');
    tessera = await startTessera(`deletion-${mode}`, { ...backing.env, DELETION_PURGE_AFTER_S: '0' });
    if (mode === 'distributed') {
      const prefix = backing.env.KAFKA_TOPIC_PREFIX as string;
      const kafka = new Kafka({ clientId: 'deletion-e2e', brokers: requireInfra().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
      consumer = kafka.consumer({ groupId: `${prefix}deletion-e2e` });
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}tessera.instances`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = JSON.parse(message.value?.toString('utf8') ?? '{}') as { type: string; data: Record<string, unknown> };
          seen.push({ key: message.key?.toString('utf8') ?? '', type: envelope.type, data: envelope.data });
        },
      });
    }
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deletes a series, then the study: QIDO-RS, WADO-RS and C-FIND no longer find them, their objects are purged, and the events are published', async () => {
    const seeded = await runPeer<{ series: Record<string, string[]> }>('dicomweb_stow_delete_peer.py', ['seed'], {
      base: tessera.dicomweb,
      token: await tessera.token('technologist'),
      file: path.join(pydicomTestFiles(), 'CT_small.dcm'),
      study,
      series: [
        [first, 2],
        [second, 1],
      ],
    });
    await expectEventually(async () => expect((await gone(first)).seriesOfStudy).toEqual([first, second]), { timeoutMs: 60_000 });
    expect(await keysOfStudy()).toHaveLength(3);

    // Only an administrator may delete.
    expect((await remove(`${tessera.dicomweb}/studies/${study}/series/${first}`, 'radiologist')).status).toBe(403);

    const series = await remove(`${tessera.dicomweb}/studies/${study}/series/${first}`);
    expect(series.status).toBe(200);
    expect(await series.json()).toMatchObject({ studyInstanceUID: study, series: [{ seriesInstanceUID: first, sopInstanceUIDs: [...(seeded.series[first] ?? [])].sort() }], studyDeleted: false, objects: 2 });
    expect(await gone(first)).toEqual({ studies: 1, seriesOfStudy: [second], retrieveSeries: 404 });
    expect(await cFind()).toBe(1);
    expect(await keysOfStudy()).toHaveLength(1);

    const whole = await remove(`${tessera.dicomweb}/studies/${study}`);
    expect(whole.status).toBe(200);
    expect(await whole.json()).toMatchObject({ studyDeleted: true, objects: 1 });
    expect(await gone(second)).toEqual({ studies: 0, seriesOfStudy: [], retrieveSeries: 404 });
    expect(await cFind()).toBe(0);
    expect(await keysOfStudy()).toEqual([]);

    // Nothing is left to delete.
    expect((await remove(`${tessera.dicomweb}/studies/${study}`)).status).toBe(404);

    // Stored again, the study is an ordinary new one: a new object under a new key, found again.
    await runPeer('dicomweb_stow_delete_peer.py', ['seed'], { base: tessera.dicomweb, token: await tessera.token('technologist'), file: path.join(pydicomTestFiles(), 'CT_small.dcm'), study, series: [[second, 1]] });
    await expectEventually(async () => expect((await gone(second)).seriesOfStudy).toEqual([second]), { timeoutMs: 60_000 });
    expect(await keysOfStudy()).toHaveLength(1);

    if (mode === 'distributed') {
      await expectEventually(async () => {
        const ofStudy = seen.filter((e) => e.key === `default/${study}` && e.type !== 'instance.stored.v1');
        expect(ofStudy.map((e) => [e.type, e.data.scope ?? e.data.objects])).toEqual([
          ['instances.deleted.v1', 'series'],
          ['instances.purged.v1', 2],
          ['instances.deleted.v1', 'study'],
          ['instances.purged.v1', 1],
        ]);
      }, { timeoutMs: 60_000 });
    }
  });
});
