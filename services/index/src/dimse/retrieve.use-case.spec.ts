import { MemoryObjectCatalog, type StoredObject } from '@tessera/catalog';
import type { DicomJsonDataset } from '@tessera/dicom';
import { MemoryInstanceIndex } from '@tessera/index-store';
import { IdentifierError } from './find.use-case';
import { RetrieveUseCase } from './retrieve.use-case';

// Two patients; P1 has study 1.1 (series 1.1.1 with two instances, 1.1.2 with one) and study 1.2.
const LAYOUT: ReadonlyArray<readonly [patient: string, study: string, series: string, instance: string]> = [
  ['P1', '1.1', '1.1.1', '1.1.1.1'],
  ['P1', '1.1', '1.1.1', '1.1.1.2'],
  ['P1', '1.1', '1.1.2', '1.1.2.1'],
  ['P1', '1.2', '1.2.1', '1.2.1.1'],
  ['P2', '2.1', '2.1.1', '2.1.1.1'],
];

/** The RIS (ADT) has spoken for these studies' patients: what the index then says they are. */
const RIS_PATIENTS = new Map([
  ['1.2', { '00100020': { vr: 'LO' as const, Value: ['P1'] } }],
  ['2.1', { '00100020': { vr: 'LO' as const, Value: ['P2'] } }],
]);

async function setUp(): Promise<RetrieveUseCase> {
  const catalog = new MemoryObjectCatalog();
  const index = new MemoryInstanceIndex();
  index.currentPatients = (_tenant, studies) => Promise.resolve(new Map([...RIS_PATIENTS].filter(([study]) => studies.includes(study))));
  for (const [patient, study, series, instance] of LAYOUT) {
    const object: StoredObject = {
      tenant: 'default',
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: instance,
      sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
      transferSyntaxUID: '1.2.840.10008.1.2.1',
      objectKey: `k/${instance}`,
      sizeBytes: 1,
      datasetOffset: 0,
      datasetSha256: '0',
      storedAt: new Date(0),
    };
    await catalog.record(object, []);
    await index.index({
      ...object,
      metadata: { '00100020': { vr: 'LO', Value: [patient] }, '0020000D': { vr: 'UI', Value: [study] }, '0020000E': { vr: 'UI', Value: [series] }, '00080018': { vr: 'UI', Value: [instance] } },
    });
  }
  return new RetrieveUseCase(catalog, index);
}

function identifier(level: string, keys: Record<string, string[]>): DicomJsonDataset {
  const out: DicomJsonDataset = { '00080052': { vr: 'CS', Value: [level] } };
  for (const [tag, values] of Object.entries(keys)) out[tag] = { vr: tag === '00100020' ? 'LO' : 'UI', Value: values };
  return out;
}

const uids = (objects: readonly StoredObject[]): string[] => objects.map((o) => o.sopInstanceUID).sort();

describe('RetrieveUseCase', () => {
  it('resolves a PATIENT-level retrieve to every instance of every study of the patient', async () => {
    const retrieve = await setUp();
    expect(uids(await retrieve.resolve('default', identifier('PATIENT', { '00100020': ['P1'] }), 'PATIENT_ROOT'))).toEqual(['1.1.1.1', '1.1.1.2', '1.1.2.1', '1.2.1.1']);
  });

  it('resolves a list of studies, series of a study, and instances of a series, each instance once', async () => {
    const retrieve = await setUp();
    expect(uids(await retrieve.resolve('default', identifier('STUDY', { '0020000D': ['1.2', '2.1', '1.2', '9.9'] }), 'STUDY_ROOT'))).toEqual(['1.2.1.1', '2.1.1.1']);
    expect(uids(await retrieve.resolve('default', identifier('SERIES', { '0020000D': ['1.1'], '0020000E': ['1.1.2'] }), 'STUDY_ROOT'))).toEqual(['1.1.2.1']);
    expect(uids(await retrieve.resolve('default', identifier('IMAGE', { '0020000D': ['1.1'], '0020000E': ['1.1.1'], '00080018': ['1.1.1.2', '1.1.2.1'] }), 'PATIENT_ROOT'))).toEqual(['1.1.1.2']);
  });

  it('gives each instance the current attributes the RIS gave its patient, to be sent with them', async () => {
    const retrieve = await setUp();
    const found = await retrieve.resolve('default', identifier('STUDY', { '0020000D': ['1.2', '2.1'] }), 'STUDY_ROOT');
    expect(found.map((o) => [o.sopInstanceUID, o.patient])).toEqual([
      ['1.2.1.1', { '00100020': { vr: 'LO', Value: ['P1'] } }],
      ['2.1.1.1', { '00100020': { vr: 'LO', Value: ['P2'] } }],
    ]);
  });

  it('resolves a relational retrieve, without the unique keys of the levels above or narrowed by them (PS3.4 C.4.2.2.1.2)', async () => {
    const retrieve = await setUp();
    const relational = { relational: true };
    expect(uids(await retrieve.resolve('default', identifier('SERIES', { '0020000E': ['1.1.2', '2.1.1', '9.9.9'] }), 'STUDY_ROOT', relational))).toEqual(['1.1.2.1', '2.1.1.1']);
    expect(uids(await retrieve.resolve('default', identifier('SERIES', { '0020000D': ['1.1'], '0020000E': ['1.1.2', '2.1.1'] }), 'STUDY_ROOT', relational))).toEqual(['1.1.2.1']);
    expect(uids(await retrieve.resolve('default', identifier('IMAGE', { '00080018': ['1.1.1.2', '2.1.1.1', '9.9.9.9'] }), 'PATIENT_ROOT', relational))).toEqual(['1.1.1.2', '2.1.1.1']);
    expect(uids(await retrieve.resolve('default', identifier('IMAGE', { '0020000E': ['1.1.1'], '00080018': ['1.1.1.2', '2.1.1.1'] }), 'STUDY_ROOT', relational))).toEqual(['1.1.1.2']);
    expect(await retrieve.resolve('other', identifier('IMAGE', { '00080018': ['1.1.1.2'] }), 'STUDY_ROOT', relational)).toEqual([]);
    // Still one value above, and the level's own key required.
    await expect(retrieve.resolve('default', identifier('IMAGE', { '0020000D': ['1.1', '1.2'], '00080018': ['1.1.1.2'] }), 'STUDY_ROOT', relational)).rejects.toThrow(/single value/);
    await expect(retrieve.resolve('default', identifier('SERIES', { '0020000D': ['1.1'] }), 'STUDY_ROOT', relational)).rejects.toThrow(/\(0020,000E\) is required/);
  });

  it('finds nothing in another tenant', async () => {
    const retrieve = await setUp();
    expect(await retrieve.resolve('other', identifier('STUDY', { '0020000D': ['1.1'] }), 'STUDY_ROOT')).toEqual([]);
  });

  it.each([
    ['no level', identifier('', {}), 'STUDY_ROOT', /Query\/Retrieve Level/],
    ['PATIENT level in Study Root', identifier('PATIENT', { '00100020': ['P1'] }), 'STUDY_ROOT', /no PATIENT level/],
    ['a study without its UID', identifier('STUDY', {}), 'STUDY_ROOT', /\(0020,000D\) is required for a STUDY-level retrieve/],
    ['a series without its study', identifier('SERIES', { '0020000E': ['1.1.1'] }), 'STUDY_ROOT', /\(0020,000D\) is required/],
    ['two studies above a series', identifier('SERIES', { '0020000D': ['1.1', '1.2'], '0020000E': ['1.1.1'] }), 'STUDY_ROOT', /single value/],
    ['a wildcard', identifier('STUDY', { '0020000D': ['1.*'] }), 'STUDY_ROOT', /no wildcards/],
  ] as const)('refuses %s', async (_name, id, model, message) => {
    const retrieve = await setUp();
    const attempt = retrieve.resolve('default', id, model);
    await expect(attempt).rejects.toBeInstanceOf(IdentifierError);
    await expect(attempt).rejects.toThrow(message);
  });
});
