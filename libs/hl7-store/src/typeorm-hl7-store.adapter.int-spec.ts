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
      // A second instance of a study names its own SOP Instance UID.
      const sopInstanceUID = (attributes['00080018']?.Value?.[0] as string | undefined) ?? `${studyInstanceUID}.1.1`;
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
          '00080018': { vr: 'UI', Value: [sopInstanceUID] },
          '0020000D': { vr: 'UI', Value: [studyInstanceUID] },
          '0020000E': { vr: 'UI', Value: [`${studyInstanceUID}.1`] },
          '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
          '00080060': { vr: 'CS', Value: ['CT'] },
        },
      });
    },
    studyAttributes: async (tenant, studyInstanceUID) => {
      const rows = (await t.db.dataSource.query('SELECT attributes FROM study WHERE tenant_id = $1 AND study_instance_uid = $2', [tenant, studyInstanceUID])) as { attributes: DicomJsonDataset }[];
      return rows[0]?.attributes;
    },
    worklistAttributes: async (tenant, studyInstanceUID, sps) => {
      const rows = (await t.db.dataSource.query('SELECT attributes FROM worklist_item WHERE tenant_id = $1 AND study_instance_uid = $2 AND sps_id = $3', [tenant, studyInstanceUID, sps])) as { attributes: DicomJsonDataset }[];
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

  const all = { level: 'PATIENT' as const, keys: [], includeFields: [], offset: 0, fuzzyMatching: false };
  const patient = (id: string, name: string, extra: DicomJsonDataset = {}): DicomJsonDataset => ({
    '00100010': { vr: 'PN', Value: [{ Alphabetic: name }] },
    '00100020': { vr: 'LO', Value: [id] },
    '00100021': { vr: 'LO', Value: ['HOSP'] },
    ...extra,
  });
  const studyOf = async (uid: string) => (await new TypeormInstanceIndex(t.db).searchStudies('default', { ...all, level: 'STUDY', keys: [{ kind: 'single', tag: 0x0020000d, vr: 'UI', value: uid }] }, 10)).items[0]?.attributes;
  const patientOf = async (id: string) =>
    (await new TypeormInstanceIndex(t.db).searchPatients('default', { ...all, keys: [{ kind: 'single', tag: 0x00100020, vr: 'LO', value: id }] }, 10)).items.map((p) => p.attributes);

  it('keeps what ADT said of a patient when instances arrive with other demographics, for its studies old and new', async () => {
    const h = harness(t);
    const id = { patientID: 'STICK-1', issuerOfPatientID: 'HOSP' };
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.10', id, patient('STICK-1', 'Modality^Typo', { '00100030': { vr: 'DA', Value: ['19700101'] } }));
    await h.store.transaction((tx) => tx.savePatient('default', id, patient('STICK-1', 'Ris^Name', { '00100040': { vr: 'CS', Value: ['F'] } })));
    // Another instance of the same study, and a new study, still with the modality's demographics.
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.10', id, { ...patient('STICK-1', 'Modality^Typo', { '00100030': { vr: 'DA', Value: ['19700101'] } }), '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.9.10.1.2'] } });
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.11', id, { ...patient('STICK-1', 'Modality^Typo'), '00080020': { vr: 'DA', Value: ['20261122'] } });
    expect(await patientOf('STICK-1')).toEqual([patient('STICK-1', 'Ris^Name', { '00100040': { vr: 'CS', Value: ['F'] } })]);
    for (const uid of ['1.2.826.0.1.3680043.10.9.10', '1.2.826.0.1.3680043.10.9.11']) {
      const study = await studyOf(uid);
      expect(study).toMatchObject({ '00100010': { Value: [{ Alphabetic: 'Ris^Name' }] }, '00100040': { Value: ['F'] } });
      expect(study).not.toHaveProperty('00100030');
    }
    // The study's own attributes still come from its instances.
    expect((await studyOf('1.2.826.0.1.3680043.10.9.11'))?.['00080020']).toEqual({ vr: 'DA', Value: ['20261122'] });
    const matched = await new TypeormInstanceIndex(t.db).searchStudies('default', { ...all, level: 'STUDY', keys: [{ kind: 'single', tag: 0x00100010, vr: 'PN', value: 'Modality^Typo' }] }, 10);
    expect(matched.items).toHaveLength(0);
  });

  it('lets instances update a patient the RIS never spoke of', async () => {
    const h = harness(t);
    const id = { patientID: 'FREE-1', issuerOfPatientID: 'HOSP' };
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.20', id, patient('FREE-1', 'First^Name'));
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.20', id, { ...patient('FREE-1', 'Corrected^Name'), '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.9.20.1.2'] } });
    expect(await patientOf('FREE-1')).toEqual([patient('FREE-1', 'Corrected^Name')]);
  });

  it('indexes an instance that arrives under a merged patient ID under the survivor, with its demographics', async () => {
    const h = harness(t);
    const survivor = { patientID: 'LATE-SURV', issuerOfPatientID: 'HOSP' };
    const prior = { patientID: 'LATE-PRIOR', issuerOfPatientID: 'HOSP' };
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.30', prior, patient('LATE-PRIOR', 'Prior^Name'));
    await h.store.transaction(async (tx) => {
      await tx.savePatient('default', survivor, patient('LATE-SURV', 'Survivor^Name'));
      await tx.mergePatient('default', prior, survivor);
    });
    // A late instance of the moved study, and a new study, both still labelled with the prior ID.
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.30', prior, { ...patient('LATE-PRIOR', 'Prior^Name'), '00080018': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.9.30.1.2'] } });
    await h.seedStudy('default', '1.2.826.0.1.3680043.10.9.31', prior, patient('LATE-PRIOR', 'Prior^Name'));
    expect(await patientOf('LATE-PRIOR')).toEqual([]);
    const survivors = await new TypeormInstanceIndex(t.db).searchPatients('default', { ...all, keys: [{ kind: 'single', tag: 0x00100020, vr: 'LO', value: 'LATE-SURV' }] }, 10);
    expect(survivors.items.map((p) => [p.attributes['00100010']?.Value, p.numberOfStudies])).toEqual([[[{ Alphabetic: 'Survivor^Name' }], 2]]);
    for (const uid of ['1.2.826.0.1.3680043.10.9.30', '1.2.826.0.1.3680043.10.9.31']) expect((await studyOf(uid))?.['00100020']).toEqual({ vr: 'LO', Value: ['LATE-SURV'] });
  });
});
