import type { DicomJsonDataset } from '@tessera/dicom';
import type { FhirIndex } from './fhir-index.port';
import type { IndexedInstance } from './instance-index.port';

/** An adapter under test, with the index's own ways in: instances stored and patients merged. */
export interface FhirIndexHarness {
  readonly index: FhirIndex;
  add(instances: readonly IndexedInstance[]): Promise<void>;
  /** Merges `prior` into `survivor` as ADT^A40 does. */
  merge(tenant: string, prior: { patientID: string; issuerOfPatientID: string }, survivor: { patientID: string; issuerOfPatientID: string }): Promise<void>;
  close(): Promise<void>;
}

const CT = '1.2.840.10008.5.1.4.1.1.2';
const SR = '1.2.840.10008.5.1.4.1.1.88.11';

interface Spec {
  patientID: string;
  issuer?: string;
  name?: string;
  birthDate?: string;
  sex?: string;
  study: string;
  date: string;
  accession?: string;
  series: string;
  seriesNumber?: number;
  modality: string;
  sop: string;
  sopClass?: string;
  instanceNumber?: number;
}

function instance(tenant: string, s: Spec): IndexedInstance {
  const metadata: DicomJsonDataset = {
    '00080016': { vr: 'UI', Value: [s.sopClass ?? CT] },
    '00080018': { vr: 'UI', Value: [s.sop] },
    '00080020': { vr: 'DA', Value: [s.date] },
    ...(s.accession ? { '00080050': { vr: 'SH' as const, Value: [s.accession] } } : {}),
    '00080060': { vr: 'CS', Value: [s.modality] },
    ...(s.name ? { '00100010': { vr: 'PN' as const, Value: [{ Alphabetic: s.name }] } } : {}),
    '00100020': { vr: 'LO', Value: [s.patientID] },
    ...(s.issuer ? { '00100021': { vr: 'LO' as const, Value: [s.issuer] } } : {}),
    ...(s.birthDate ? { '00100030': { vr: 'DA' as const, Value: [s.birthDate] } } : {}),
    ...(s.sex ? { '00100040': { vr: 'CS' as const, Value: [s.sex] } } : {}),
    '0020000D': { vr: 'UI', Value: [s.study] },
    '0020000E': { vr: 'UI', Value: [s.series] },
    ...(s.seriesNumber !== undefined ? { '00200011': { vr: 'IS' as const, Value: [s.seriesNumber] } } : {}),
    ...(s.instanceNumber !== undefined ? { '00200013': { vr: 'IS' as const, Value: [s.instanceNumber] } } : {}),
  };
  return {
    tenant,
    studyInstanceUID: s.study,
    seriesInstanceUID: s.series,
    sopInstanceUID: s.sop,
    sopClassUID: s.sopClass ?? CT,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `${tenant}/${s.study}/${s.series}/${s.sop}/v1.dcm`,
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date('2024-01-01T00:00:00Z'),
    metadata,
  };
}

const ADAM = { patientID: 'P-ADAM', issuer: 'HOSP', name: 'Everyman^Adam Bede^James', birthDate: '19610615', sex: 'M' };
const EVE = { patientID: 'P-EVE', issuer: 'HOSP', name: 'Everywoman^Eve', birthDate: '19700101', sex: 'F' };
const EVE_ELSEWHERE = { patientID: 'P-EVE', issuer: '1.2.3.4', name: 'van der Berg^Eve', birthDate: '19700102' };
const NOBODY = { patientID: 'P-ANON' };

/** The contract every FhirIndex adapter meets (STYLE 10). Tenants used: "default", "other". */
export function describeFhirIndexContract(name: string, open: () => Promise<FhirIndexHarness>): void {
  describe(`FhirIndex contract: ${name}`, () => {
    let h: FhirIndexHarness;
    const page = { offset: 0, count: 100 };
    const ids = async (criteria: Parameters<FhirIndex['searchPatients']>[1]) => (await h.index.searchPatients('default', criteria, page)).items.map((p) => `${p.patientID}|${p.issuerOfPatientID}`);
    const uids = async (criteria: Parameters<FhirIndex['searchStudies']>[1]) => (await h.index.searchStudies('default', criteria, page)).items.map((s) => s.attributes['0020000D']?.Value?.[0]);

    beforeAll(async () => {
      h = await open();
      await h.add([
        instance('default', { ...ADAM, study: '1.1', date: '20240105', accession: 'ACC-1', series: '1.1.2', seriesNumber: 2, modality: 'CT', sop: '1.1.2.2', instanceNumber: 2 }),
        instance('default', { ...ADAM, study: '1.1', date: '20240105', accession: 'ACC-1', series: '1.1.2', seriesNumber: 2, modality: 'CT', sop: '1.1.2.1', instanceNumber: 1 }),
        instance('default', { ...ADAM, study: '1.1', date: '20240105', accession: 'ACC-1', series: '1.1.1', seriesNumber: 1, modality: 'SR', sop: '1.1.1.1', sopClass: SR }),
        instance('default', { ...EVE, study: '1.2', date: '20240229', accession: 'ACC-2', series: '1.2.1', modality: 'MR', sop: '1.2.1.1' }),
        instance('default', { ...EVE_ELSEWHERE, study: '1.3', date: '20241231', series: '1.3.1', modality: 'CT', sop: '1.3.1.1' }),
        instance('default', { ...NOBODY, study: '1.4', date: '20250101', series: '1.4.1', modality: 'US', sop: '1.4.1.1' }),
        instance('other', { ...ADAM, study: '9.1', date: '20240105', series: '9.1.1', modality: 'CT', sop: '9.1.1.1' }),
      ]);
    });
    afterAll(async () => h.close());

    it('reads a patient by its id in its tenant only, and nothing for an id it did not give', async () => {
      const [adam] = (await h.index.searchPatients('default', { identifiers: [[{ patientID: 'P-ADAM' }]] }, page)).items;
      expect(adam).toMatchObject({ patientID: 'P-ADAM', issuerOfPatientID: 'HOSP', attributes: { '00100010': { vr: 'PN', Value: [{ Alphabetic: ADAM.name }] } } });
      expect(adam).not.toHaveProperty('mergedIntoId');
      expect(await h.index.patient('default', adam?.id as string)).toEqual(adam);
      expect(await h.index.patient('other', adam?.id as string)).toBeUndefined();
      expect(await h.index.patient('default', 'P-ADAM')).toBeUndefined();
      expect(await h.index.patient('default', '999999')).toBeUndefined();
    });

    it('finds patients by identifier with and without an issuer, in Patient ID and issuer order', async () => {
      expect(await ids({ identifiers: [[{ patientID: 'P-EVE' }]] })).toEqual(['P-EVE|1.2.3.4', 'P-EVE|HOSP']);
      expect(await ids({ identifiers: [[{ patientID: 'P-EVE', issuerOfPatientID: 'HOSP' }]] })).toEqual(['P-EVE|HOSP']);
      expect(await ids({ identifiers: [[{ patientID: 'P-ANON', issuerOfPatientID: '' }, { patientID: 'P-ADAM', issuerOfPatientID: 'HOSP' }]] })).toEqual(['P-ADAM|HOSP', 'P-ANON|']);
      expect(await ids({})).toEqual(['P-ADAM|HOSP', 'P-ANON|', 'P-EVE|1.2.3.4', 'P-EVE|HOSP']);
    });

    it('finds patients by the start of a name, family or given name, case-insensitively', async () => {
      expect(await ids({ families: [['every']] })).toEqual(['P-ADAM|HOSP', 'P-EVE|HOSP']);
      expect(await ids({ families: [['everyw']] })).toEqual(['P-EVE|HOSP']);
      expect(await ids({ families: [['der']] })).toEqual([]);
      expect(await ids({ families: [['van d']] })).toEqual(['P-EVE|1.2.3.4']);
      expect(await ids({ givens: [['bed']] })).toEqual(['P-ADAM|HOSP']);
      expect(await ids({ givens: [['jam']] })).toEqual(['P-ADAM|HOSP']);
      expect(await ids({ givens: [['every']] })).toEqual([]);
      expect(await ids({ names: [['eve']] })).toEqual(['P-ADAM|HOSP', 'P-EVE|1.2.3.4', 'P-EVE|HOSP']);
      expect(await ids({ names: [['berg']] })).toEqual(['P-EVE|1.2.3.4']);
      expect(await ids({ names: [['eve'], ['adam', 'berg']] })).toEqual(['P-ADAM|HOSP', 'P-EVE|1.2.3.4']);
      expect(await ids({ names: [['%']] })).toEqual([]);
    });

    it('finds patients by birth date range and by sex, "" for none', async () => {
      expect(await ids({ birthDates: [[{ from: '19700101', to: '19700101' }]] })).toEqual(['P-EVE|HOSP']);
      expect(await ids({ birthDates: [[{ from: '19700101' }]] })).toEqual(['P-EVE|1.2.3.4', 'P-EVE|HOSP']);
      expect(await ids({ birthDates: [[{ to: '19691231' }]] })).toEqual(['P-ADAM|HOSP']);
      expect(await ids({ sexes: [['F', '']] })).toEqual(['P-ANON|', 'P-EVE|1.2.3.4', 'P-EVE|HOSP']);
      expect(await ids({ sexes: [['M']], ids: [[(await h.index.searchPatients('default', { identifiers: [[{ patientID: 'P-ADAM' }]] }, page)).items[0]?.id as string]] })).toEqual(['P-ADAM|HOSP']);
    });

    it('pages patients and counts them all', async () => {
      const second = await h.index.searchPatients('default', {}, { offset: 1, count: 2 });
      expect(second.total).toBe(4);
      expect(second.items.map((p) => p.patientID)).toEqual(['P-ANON', 'P-EVE']);
      expect((await h.index.searchPatients('default', {}, { offset: 10, count: 2 })).items).toEqual([]);
      expect((await h.index.searchPatients('default', {}, { offset: 0, count: 0 })).total).toBe(4);
    });

    it('reads a study with its series and instances in order, its counts, modalities and patient', async () => {
      const adam = (await h.index.searchPatients('default', { identifiers: [[{ patientID: 'P-ADAM' }]] }, page)).items[0];
      const study = await h.index.study('default', '1.1');
      expect(study).toMatchObject({ patientId: adam?.id, modalitiesInStudy: ['CT', 'SR'], numberOfSeries: 2, numberOfInstances: 3 });
      expect(study?.attributes).toMatchObject({ '00080050': { Value: ['ACC-1'] }, '00100020': { Value: ['P-ADAM'] } });
      expect(study?.series.map((s) => [s.attributes['0020000E']?.Value?.[0], s.numberOfInstances, s.instances])).toEqual([
        ['1.1.1', 1, [{ sopInstanceUID: '1.1.1.1', sopClassUID: SR }]],
        [
          '1.1.2',
          2,
          [
            { sopInstanceUID: '1.1.2.1', sopClassUID: CT, instanceNumber: 1 },
            { sopInstanceUID: '1.1.2.2', sopClassUID: CT, instanceNumber: 2 },
          ],
        ],
      ]);
      expect(await h.index.study('other', '1.1')).toBeUndefined();
      expect(await h.index.study('default', '1.9')).toBeUndefined();
    });

    it('finds studies by patient, Study Instance UID or Accession Number, date range and modality', async () => {
      const eve = (await h.index.searchPatients('default', { identifiers: [[{ patientID: 'P-EVE', issuerOfPatientID: 'HOSP' }]] }, page)).items[0]?.id as string;
      expect(await uids({ patients: [[eve]] })).toEqual(['1.2']);
      expect(await uids({ patients: [['not-an-id']] })).toEqual([]);
      expect(await uids({ identifiers: [[{ kind: 'uid', value: '1.3' }, { kind: 'accession', value: 'ACC-1' }]] })).toEqual(['1.1', '1.3']);
      expect(await uids({ identifiers: [[{ kind: 'accession', value: '1.3' }]] })).toEqual([]);
      expect(await uids({ identifiers: [[{ kind: 'none' }]] })).toEqual([]);
      expect(await uids({ dates: [[{ from: '20240201', to: '20241231' }]] })).toEqual(['1.2', '1.3']);
      expect(await uids({ dates: [[{ from: '20240201' }], [{ to: '20240229' }]] })).toEqual(['1.2']);
      expect(await uids({ modalities: [['CT']] })).toEqual(['1.1', '1.3']);
      expect(await uids({ modalities: [['SR', 'US']] })).toEqual(['1.1', '1.4']);
      expect(await uids({ uids: [['1.4', '1.2']], modalities: [['US']] })).toEqual(['1.4']);
      const page2 = await h.index.searchStudies('default', {}, { offset: 2, count: 1 });
      expect([page2.total, page2.items.map((s) => s.attributes['0020000D']?.Value?.[0])]).toEqual([4, ['1.3']]);
    });

    it('keeps a merged patient readable, names its survivor, and finds its studies under the survivor', async () => {
      await h.merge('default', { patientID: 'P-EVE', issuerOfPatientID: '1.2.3.4' }, { patientID: 'P-EVE', issuerOfPatientID: 'HOSP' });
      const [prior, survivor] = (await h.index.searchPatients('default', { identifiers: [[{ patientID: 'P-EVE' }]] }, page)).items;
      expect(prior?.mergedIntoId).toBe(survivor?.id);
      expect(survivor).not.toHaveProperty('mergedIntoId');
      expect(await h.index.patient('default', prior?.id as string)).toMatchObject({ mergedIntoId: survivor?.id });
      expect(await uids({ patients: [[survivor?.id as string]] })).toEqual(['1.2', '1.3']);
      expect(await uids({ patients: [[prior?.id as string]] })).toEqual([]);
      expect((await h.index.study('default', '1.3'))?.attributes['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: EVE.name }] });
    });
  });
}
