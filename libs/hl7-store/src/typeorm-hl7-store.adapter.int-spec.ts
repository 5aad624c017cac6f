import type { DicomJsonDataset } from '@tessera/dicom';
import { TypeormInstanceIndex } from '@tessera/index-store';
import { createPgliteTestDatabase, createPostgresTestDatabase, type TestDatabase } from '@tessera/testing';
import { createHash } from 'node:crypto';
import { describeHl7StoreContract, type Hl7StoreHarness } from './hl7-store.contract';
import { TypeormHl7Store } from './typeorm-hl7-store.adapter';

// The index's own indexing puts the studies there, as storing an instance would.
function harness(t: TestDatabase): Hl7StoreHarness {
  const index = new TypeormInstanceIndex(t.db);
  return {
    store: new TypeormHl7Store(t.db),
    seedStudy: async (tenant, studyInstanceUID, _patient, attributes) => {
      const sopInstanceUID = `${studyInstanceUID}.1.1`;
      await index.index({
        tenant,
        studyInstanceUID,
        seriesInstanceUID: `${studyInstanceUID}.1`,
        sopInstanceUID,
        sopClassUID: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxUID: '1.2.840.10008.1.2.1',
        objectKey: `${tenant}/${sopInstanceUID}`,
        sizeBytes: 1,
        datasetOffset: 0,
        datasetSha256: createHash('sha256').update(sopInstanceUID).digest('hex'),
        storedAt: new Date(),
        metadata: {
          ...attributes,
          '0020000D': { vr: 'UI', Value: [studyInstanceUID] },
          '0020000E': { vr: 'UI', Value: [`${studyInstanceUID}.1`] },
          '00080018': { vr: 'UI', Value: [sopInstanceUID] },
          '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
          '00080060': { vr: 'CS', Value: ['CT'] },
        },
      });
    },
    studyAttributes: async (tenant, studyInstanceUID) => {
      const rows = (await t.db.dataSource.query('SELECT attributes FROM study WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, studyInstanceUID])) as { attributes: DicomJsonDataset }[];
      return rows[0]?.attributes;
    },
    close: () => t.drop(),
  };
}

describeHl7StoreContract('PostgreSQL', async () => harness(await createPostgresTestDatabase(['default', 'other'])));
describeHl7StoreContract('PGlite', async () => harness(await createPgliteTestDatabase(['default', 'other'])));

describe('TypeormHl7Store and the index', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createPostgresTestDatabase()));
  afterAll(async () => t.drop());

  it('leaves a merged patient out of patient-level queries, and shows its studies under the survivor', async () => {
    const h = harness(t);
    const index = new TypeormInstanceIndex(t.db);
    const survivor = { patientID: 'Q-SURV', issuerOfPatientID: 'HOSP' };
    const prior = { patientID: 'Q-PRIOR', issuerOfPatientID: 'HOSP' };
    const patient = (id: { patientID: string }, name: string): DicomJsonDataset => ({ '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] }, '00100020': { vr: 'LO', Value: [id.patientID] }, '00100021': { vr: 'LO', Value: ['HOSP'] } });
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.1', survivor, patient(survivor, 'Kept^Name'));
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.2', prior, patient(prior, 'Gone^Name'));
    const all = { level: 'PATIENT' as const, keys: [], includeFields: [], offset: 0, fuzzyMatching: false };
    expect((await index.searchPatients('default', all, 10)).items).toHaveLength(2);
    await h.store.transaction((tx) => tx.mergePatient('default', prior, survivor));
    const patients = await index.searchPatients('default', all, 10);
    expect(patients.items.map((p) => [p.attributes['00100020']?.Value, p.numberOfStudies])).toEqual([[['Q-SURV'], 2]]);
    const studies = await index.searchStudies('default', { ...all, level: 'STUDY', keys: [{ kind: 'single', tag: 0x00100020, vr: 'LO', value: 'Q-SURV' }] }, 10);
    expect(studies.items.map((s) => s.attributes['00100010']?.Value)).toEqual([[{ Alphabetic: 'Kept^Name' }], [{ Alphabetic: 'Kept^Name' }]]);
  });
});
