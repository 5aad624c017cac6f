// QIDO-RS and WADO-RS metadata latency on PostgreSQL, in process (no HTTP): fuzzy person name search
// over 10 000 studies, and the metadata of one 1000-instance series. Run with the test infrastructure:
//   . tmp/infra/env && node scripts/run-ts.js bench/qido-latency.ts
import { parseQidoQuery, type DicomJsonDataset } from '@tessera/dicom';
import { TypeormInstanceIndex, type IndexedInstance } from '@tessera/index-store';
import { createPostgresTestDatabase } from '@tessera/testing';
import { performance } from 'node:perf_hooks';
import { RetrieveMetadataUseCase } from '../services/index/src/metadata/retrieve-metadata.use-case';

const STUDIES = 10_000;
const SERIES_SIZE = 1000;
const FAMILY = ['Smith', 'Müller', 'García-López', 'Nguyen', 'Johansson', 'Okafor', 'Dubois', 'Rossi', 'Kowalski', 'Tanaka'];
const GIVEN = ['John', 'Ána', 'Hans', 'Mei', 'Olaf', 'Chidi', 'Élodie', 'Marco', 'Zofia', 'Yuki'];

function instance(study: number, series: number, sop: number, extra: DicomJsonDataset = {}): IndexedInstance {
  const s = `1.2.826.0.1.9.${study}`;
  const se = `${s}.${series}`;
  const i = `${se}.${sop}`;
  const metadata: DicomJsonDataset = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: [i] },
    '00080020': { vr: 'DA', Value: [`2024${String((study % 12) + 1).padStart(2, '0')}15`] },
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: `${FAMILY[study % 10]}${study % 97}^${GIVEN[Math.floor(study / 10) % 10]}` }] },
    '00100020': { vr: 'LO', Value: [`P${study}`] },
    '0020000D': { vr: 'UI', Value: [s] },
    '0020000E': { vr: 'UI', Value: [se] },
    '00200011': { vr: 'IS', Value: [series] },
    '00200013': { vr: 'IS', Value: [sop] },
    ...extra,
  };
  return {
    tenant: 'default', studyInstanceUID: s, seriesInstanceUID: se, sopInstanceUID: i, sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUID: '1.2.840.10008.1.2.1', objectKey: `default/${s}/${se}/${i}/v1.dcm`, sizeBytes: 1000, datasetOffset: 200,
    datasetSha256: 'a'.repeat(64), storedAt: new Date(), metadata,
  };
}

// About what a CT image header holds: some 120 attributes besides the ones above.
function ctHeader(sop: number): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (let n = 0; n < 120; n++) out[`0019${(0x1000 + n).toString(16).toUpperCase()}`] = { vr: 'DS', Value: [sop * 0.5 + n] };
  out['00200032'] = { vr: 'DS', Value: [-125, -125, -sop * 1.25] };
  out['7FE00010'] = { vr: 'OW', BulkDataURI: 'bulkdata/7FE00010' };
  return out;
}

async function median(runs: number, f: () => Promise<unknown>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let n = 0; n < runs; n++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
}

async function main(): Promise<void> {
  const t = await createPostgresTestDatabase(['default']);
  try {
    const index = new TypeormInstanceIndex(t.db);
    for (let from = 0; from < STUDIES; from += 500) {
      await index.indexMany(Array.from({ length: 500 }, (_, k) => instance(from + k, 1, 1)));
    }
    for (let from = 0; from < SERIES_SIZE; from += 100) {
      await index.indexMany(Array.from({ length: 100 }, (_, k) => instance(STUDIES, 1, from + k + 1, ctHeader(from + k))));
    }
    await t.db.dataSource.query('ANALYZE');
    const search = (params: [string, string][]) => async () => index.searchStudies('default', parseQidoQuery('STUDY', params), 1000);
    const report = async (label: string, params: [string, string][]) => {
      const found = (await search(params)()).items.length;
      console.log(`${label.padEnd(48)} ${found.toString().padStart(5)} matches  ${(await median(21, search(params))).toFixed(2)} ms`);
    };
    await report('literal PatientName=muller* (case-insensitive)', [['PatientName', 'muller*']]);
    await report('literal PatientName=Müller1*', [['PatientName', 'Müller1*']]);
    await report('fuzzy   PatientName=muller1', [['PatientName', 'muller1'], ['fuzzymatching', 'true']]);
    await report('fuzzy   PatientName=ana garcia-lopez3', [['PatientName', 'ana garcia-lopez3'], ['fuzzymatching', 'true']]);
    await report('fuzzy   PatientName=el dub', [['PatientName', 'el dub'], ['fuzzymatching', 'true']]);
    const plan = (await t.db.dataSource.query(
      `EXPLAIN SELECT 1 FROM study st WHERE st.tenant_id = 'default' AND pn_fuzzy_prefixes(st.patient_name) @> ARRAY['MULLER1']`,
    )) as { 'QUERY PLAN': string }[];
    console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
    const metadata = new RetrieveMetadataUseCase(index);
    const series = { tenant: 'default', study: `1.2.826.0.1.9.${STUDIES}`, series: `1.2.826.0.1.9.${STUDIES}.1`, baseUrl: 'http://localhost/dicomweb' };
    let bytes = 0;
    const ms = await median(11, async () => {
      // What the controller sends: the instances' texts in one JSON array.
      bytes = Buffer.from(`[${(await metadata.execute(series))?.join(',') ?? ''}]`).length;
    });
    console.log(`series metadata, ${SERIES_SIZE} instances (${(bytes / 1e6).toFixed(1)} MB JSON): ${ms.toFixed(1)} ms`);
  } finally {
    await t.drop();
  }
}

void main();
