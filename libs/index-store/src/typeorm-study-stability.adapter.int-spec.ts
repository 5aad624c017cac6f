import type { DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';
import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { createHash, randomUUID } from 'node:crypto';
import type { IndexedInstance } from './instance-index.port';
import type { SettledStudy } from './study-stability.port';
import { TypeormInstanceIndex } from './typeorm-instance-index.adapter';
import { TypeormStudyStability } from './typeorm-study-stability.adapter';

const STABLE_AFTER_MS = 1000;

function instance(study: string, sop: string, accession?: string): IndexedInstance {
  const metadata: DicomJsonDataset = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: [sop] },
    ...(accession ? { '00080050': { vr: 'SH' as const, Value: [accession] } } : {}),
    '00080060': { vr: 'CS', Value: ['CT'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Stable^Patient' }] },
    '00100020': { vr: 'LO', Value: ['STABLE-1'] },
    '0020000D': { vr: 'UI', Value: [study] },
    '0020000E': { vr: 'UI', Value: [`${study}.1`] },
  };
  return {
    tenant: 'default',
    studyInstanceUID: study,
    seriesInstanceUID: `${study}.1`,
    sopInstanceUID: sop,
    sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `default/${sop}`,
    sizeBytes: 1,
    datasetOffset: 0,
    datasetSha256: createHash('sha256').update(sop).digest('hex'),
    storedAt: new Date(),
    metadata,
  };
}

const entry = (study: SettledStudy): OutboxEntry[] => {
  const id = randomUUID();
  return [{ eventId: id, topic: 'tessera.studies', key: `${study.tenant}/${study.studyInstanceUID}`, envelope: { id, type: 'study.stable.v1', tenant: study.tenant, occurredAt: new Date().toISOString(), source: 'test', correlationId: id, data: {} }, headers: {} }];
};

describe.each([
  ['PostgreSQL', createPostgresTestDatabase],
  ['PGlite', createPgliteTestDatabase],
] as const)('TypeormStudyStability on %s', (_name, create) => {
  let t: TestDatabase;
  let index: TypeormInstanceIndex;
  let stability: TypeormStudyStability;
  const later = (): Date => new Date(Date.now() + 5 * STABLE_AFTER_MS);
  const outbox = async (): Promise<string[]> => ((await t.db.dataSource.query("SELECT message_key FROM outbox_event WHERE topic = 'tessera.studies' ORDER BY position")) as { message_key: string }[]).map((r) => r.message_key);

  beforeAll(async () => {
    t = await create(['default']);
    index = new TypeormInstanceIndex(t.db, { studyStableAfterMs: STABLE_AFTER_MS });
    stability = new TypeormStudyStability(t.db);
  });
  afterAll(async () => t.drop());

  it('announces a study once its deadline passed, once, and again after another instance arrives', async () => {
    await index.index(instance('1.2.826.0.1.3680043.10.7.1', '1.2.826.0.1.3680043.10.7.1.1.1'));
    // Still within STUDY_STABLE_AFTER_S of its instance.
    expect(await stability.settle(new Date(), 10, entry)).toEqual([]);
    const [settled] = await stability.settle(later(), 10, entry);
    expect(settled).toMatchObject({
      tenant: 'default',
      studyInstanceUID: '1.2.826.0.1.3680043.10.7.1',
      patient: { patientID: 'STABLE-1', issuerOfPatientID: '' },
      modalitiesInStudy: ['CT'],
      numberOfSeries: 1,
      numberOfInstances: 1,
    });
    expect(settled?.patientAttributes['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Stable^Patient' }] });
    expect(await stability.settle(later(), 10, entry)).toEqual([]);
    expect(await outbox()).toEqual(['default/1.2.826.0.1.3680043.10.7.1']);

    // The same instance again changes nothing; a new one starts the wait over.
    await index.index(instance('1.2.826.0.1.3680043.10.7.1', '1.2.826.0.1.3680043.10.7.1.1.1'));
    expect(await stability.settle(later(), 10, entry)).toEqual([]);
    await index.index(instance('1.2.826.0.1.3680043.10.7.1', '1.2.826.0.1.3680043.10.7.1.1.2'));
    expect(await stability.settle(new Date(), 10, entry)).toEqual([]);
    expect((await stability.settle(later(), 10, entry)).map((s) => s.numberOfInstances)).toEqual([2]);
    expect(await outbox()).toHaveLength(2);
  });

  it('matches a study to the order with its accession number, on arrival or when the order came later', async () => {
    const order = async (accession: string, study: string): Promise<void> => {
      await t.db.dataSource.query(
        `INSERT INTO imaging_order (tenant_id, accession_number, placer_order_number, study_instance_uid, sps_id, status, patient_id, issuer_of_patient_id)
         VALUES ('default', $1, $2, $3, 'SPS-1', 'SCHEDULED', 'STABLE-1', '')`,
        [accession, `PLC-${accession}`, study],
      );
    };
    const matched = async (accession: string): Promise<unknown> => ((await t.db.dataSource.query("SELECT matched_study_instance_uid FROM imaging_order WHERE accession_number = $1", [accession])) as { matched_study_instance_uid: string | null }[])[0]?.matched_study_instance_uid;
    // The modality made up its own Study Instance UID: the accession number ties the study to the order.
    await order('ACC-ARRIVAL', '1.2.826.0.1.3680043.10.7.90');
    await index.index(instance('1.2.826.0.1.3680043.10.7.2', '1.2.826.0.1.3680043.10.7.2.1.1', 'ACC-ARRIVAL'));
    expect(await matched('ACC-ARRIVAL')).toBe('1.2.826.0.1.3680043.10.7.2');
    await index.index(instance('1.2.826.0.1.3680043.10.7.3', '1.2.826.0.1.3680043.10.7.3.1.1', 'ACC-LATER'));
    await order('ACC-LATER', '1.2.826.0.1.3680043.10.7.3');
    // No order with its accession number: none.
    await index.index(instance('1.2.826.0.1.3680043.10.7.4', '1.2.826.0.1.3680043.10.7.4.1.1', 'ACC-NONE'));
    const settled = await stability.settle(later(), 10, entry);
    expect(settled.map((s) => [s.studyInstanceUID, s.order?.accessionNumber, s.order?.placerOrderNumber, s.order?.studyInstanceUID]).sort()).toEqual([
      ['1.2.826.0.1.3680043.10.7.2', 'ACC-ARRIVAL', 'PLC-ACC-ARRIVAL', '1.2.826.0.1.3680043.10.7.90'],
      ['1.2.826.0.1.3680043.10.7.3', 'ACC-LATER', 'PLC-ACC-LATER', '1.2.826.0.1.3680043.10.7.3'],
      ['1.2.826.0.1.3680043.10.7.4', undefined, undefined, undefined],
    ]);
    expect(await matched('ACC-LATER')).toBe('1.2.826.0.1.3680043.10.7.3');
  });

  it('gives two sweeps at the same time different studies, each announced once', async () => {
    for (const n of [5, 6, 7, 8]) await index.index(instance(`1.2.826.0.1.3680043.10.7.${n}`, `1.2.826.0.1.3680043.10.7.${n}.1.1`));
    const at = later();
    const [a, b] = await Promise.all([stability.settle(at, 2, entry), stability.settle(at, 2, entry)]);
    const rest = await stability.settle(at, 10, entry);
    const all = [...(a ?? []), ...(b ?? []), ...rest].map((s) => s.studyInstanceUID).sort();
    expect(all).toEqual([5, 6, 7, 8].map((n) => `1.2.826.0.1.3680043.10.7.${n}`));
  });
});
