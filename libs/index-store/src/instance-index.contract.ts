import { forJson, parseQidoQuery, readIdentifier, stringValue, tagKey, Tags, type DicomJsonDataset, type QueryLevel } from '@tessera/dicom';
import type { IndexedInstance, InstanceIndex } from './instance-index.port';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';

function pn(name: string): { vr: 'PN'; Value: [{ Alphabetic: string }] } {
  return { vr: 'PN', Value: [{ Alphabetic: name }] };
}

function instance(tenant: string, p: { study: string; series: string; sop: string; sopClass?: string; patient: string; patientId: string; date: string; modality: string; seriesNumber: number; instanceNumber: number; accession?: string; bodyPart?: string; requestedProcedure?: string }): IndexedInstance {
  const metadata: DicomJsonDataset = {
    '00080016': { vr: 'UI', Value: [p.sopClass ?? CT] },
    '00080018': { vr: 'UI', Value: [p.sop] },
    '00080020': { vr: 'DA', Value: [p.date] },
    '00080030': { vr: 'TM', Value: ['101500'] },
    '00080050': p.accession ? { vr: 'SH', Value: [p.accession] } : { vr: 'SH' },
    '00080060': { vr: 'CS', Value: [p.modality] },
    '00100010': pn(p.patient),
    '00100020': { vr: 'LO', Value: [p.patientId] },
    ...(p.bodyPart ? { '00180015': { vr: 'CS' as const, Value: [p.bodyPart] } } : {}),
    ...(p.requestedProcedure ? { '00400275': { vr: 'SQ' as const, Value: [{ '00401001': { vr: 'SH', Value: ['RP-OTHER'] } }, { '00401001': { vr: 'SH', Value: [p.requestedProcedure] } }] } } : {}),
    '0020000D': { vr: 'UI', Value: [p.study] },
    '0020000E': { vr: 'UI', Value: [p.series] },
    '00200011': { vr: 'IS', Value: [p.seriesNumber] },
    '00200013': { vr: 'IS', Value: [p.instanceNumber] },
    '00280010': { vr: 'US', Value: [512] },
  };
  return {
    tenant,
    studyInstanceUID: p.study,
    seriesInstanceUID: p.series,
    sopInstanceUID: p.sop,
    sopClassUID: p.sopClass ?? CT,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    objectKey: `${tenant}/${p.study}/${p.series}/${p.sop}/v1.dcm`,
    sizeBytes: 1000,
    datasetOffset: 200,
    datasetSha256: 'a'.repeat(64),
    storedAt: new Date('2024-01-01T00:00:00Z'),
    metadata,
  };
}

const q = (level: QueryLevel, params: Record<string, string> = {}) => parseQidoQuery(level, Object.entries(params));
const uids = (items: readonly { attributes?: DicomJsonDataset; metadata?: DicomJsonDataset }[], tag: number) =>
  items.map((i) => stringValue((i.metadata ?? i.attributes) as DicomJsonDataset, tagKey(tag)));

/** The behaviour every InstanceIndex adapter must have (STYLE 10). */
export function describeInstanceIndexContract(name: string, create: () => Promise<{ index: InstanceIndex; close: () => Promise<void> }>): void {
  describe(`InstanceIndex contract: ${name}`, () => {
    let index: InstanceIndex;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ index, close } = await create());
      const corpus = [
        instance('default', { study: '1.2.3.1', series: '1.2.3.1.1', sop: '1.2.3.1.1.1', patient: 'Doe^John', patientId: 'P1', date: '20240105', modality: 'CT', seriesNumber: 1, instanceNumber: 2, accession: 'A100', bodyPart: 'CHEST' }),
        instance('default', { study: '1.2.3.1', series: '1.2.3.1.1', sop: '1.2.3.1.1.2', patient: 'Doe^John', patientId: 'P1', date: '20240105', modality: 'CT', seriesNumber: 1, instanceNumber: 1, accession: 'A100', bodyPart: 'CHEST' }),
        instance('default', { study: '1.2.3.1', series: '1.2.3.1.2', sop: '1.2.3.1.2.1', sopClass: MR, patient: 'Doe^John', patientId: 'P1', date: '20240105', modality: 'MR', seriesNumber: 2, instanceNumber: 1, accession: 'A100' }),
        instance('default', { study: '1.2.3.10', series: '1.2.3.10.1', sop: '1.2.3.10.1.1', patient: 'Roe^Jane', patientId: 'P2', date: '20231231', modality: 'CT', seriesNumber: 1, instanceNumber: 1, accession: 'A200' }),
        instance('default', { study: '1.2.3.2', series: '1.2.3.2.1', sop: '1.2.3.2.1.1', patient: 'DOE^JANET', patientId: 'P3', date: '20240210', modality: 'US', seriesNumber: 1, instanceNumber: 1, requestedProcedure: 'RP9' }),
        // The same UIDs in another tenant must never meet the first tenant's.
        instance('other', { study: '1.2.3.1', series: '1.2.3.1.1', sop: '1.2.3.1.1.1', patient: 'Other^Person', patientId: 'X9', date: '20240105', modality: 'CT', seriesNumber: 1, instanceNumber: 1 }),
      ];
      for (const i of corpus) expect(await index.index(i)).toBe('indexed');
    });

    afterAll(async () => close());

    it('indexes idempotently: the same instance again changes nothing', async () => {
      const again = instance('default', { study: '1.2.3.1', series: '1.2.3.1.1', sop: '1.2.3.1.1.1', patient: 'Doe^John', patientId: 'P1', date: '20240105', modality: 'CT', seriesNumber: 1, instanceNumber: 2, accession: 'A100', bodyPart: 'CHEST' });
      expect(await index.index(again)).toBe('unchanged');
      const studies = await index.searchStudies('default', q('STUDY', { StudyInstanceUID: '1.2.3.1' }), 100);
      expect(studies.items).toHaveLength(1);
      expect(studies.items[0]).toMatchObject({ numberOfSeries: 2, numberOfInstances: 3, modalitiesInStudy: ['CT', 'MR'], sopClassesInStudy: [CT, MR] });
    });

    it('matches single values, case-insensitive person-name wildcards, date ranges and UID lists', async () => {
      expect(uids((await index.searchStudies('default', q('STUDY', { PatientID: 'P2' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.10']);
      expect(uids((await index.searchStudies('default', q('STUDY', { PatientName: 'doe*' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1', '1.2.3.2']);
      expect(uids((await index.searchStudies('default', q('STUDY', { PatientName: 'D?E^J*T' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.2']);
      expect(uids((await index.searchStudies('default', q('STUDY', { StudyDate: '20240101-20240131' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1']);
      expect(uids((await index.searchStudies('default', q('STUDY', { StudyDate: '-20240105' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1', '1.2.3.10']);
      expect(uids((await index.searchStudies('default', q('STUDY', { StudyDate: '20240106-' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.2']);
      expect(uids((await index.searchStudies('default', q('STUDY', { StudyTime: '1000-1015' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1', '1.2.3.10', '1.2.3.2']);
      expect(uids((await index.searchStudies('default', q('STUDY', { StudyInstanceUID: '1.2.3.2,1.2.3.10' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.10', '1.2.3.2']);
      expect(uids((await index.searchStudies('default', q('STUDY', { ModalitiesInStudy: 'MR' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1']);
    });

    it('does not match an empty or absent attribute with a value, but universal matching returns all', async () => {
      expect(uids((await index.searchStudies('default', q('STUDY', { AccessionNumber: 'A*' }), 100)).items, Tags.StudyInstanceUID)).toEqual(['1.2.3.1', '1.2.3.10']);
      expect((await index.searchStudies('default', q('STUDY', { AccessionNumber: '' }), 100)).items).toHaveLength(3);
    });

    it('pages with limit and offset in a stable order, and says when its own cap truncated', async () => {
      const first = await index.searchStudies('default', q('STUDY', { limit: '2' }), 100);
      const second = await index.searchStudies('default', q('STUDY', { limit: '2', offset: '2' }), 100);
      expect([...uids(first.items, Tags.StudyInstanceUID), ...uids(second.items, Tags.StudyInstanceUID)]).toEqual(['1.2.3.1', '1.2.3.10', '1.2.3.2']);
      expect(first.truncated).toBe(false);
      const capped = await index.searchStudies('default', q('STUDY'), 2);
      expect(capped).toMatchObject({ truncated: true });
      expect(capped.items).toHaveLength(2);
      expect(await index.searchStudies('default', q('STUDY', { limit: '5' }), 2)).toMatchObject({ truncated: true });
      expect(await index.searchStudies('default', q('STUDY', { limit: '2' }), 2)).toMatchObject({ truncated: false });
    });

    it('searches series in a study and across studies, with study keys and attributes kept in JSON', async () => {
      expect(uids((await index.searchSeries('default', q('SERIES'), { study: '1.2.3.1' }, 100)).items, Tags.SeriesInstanceUID)).toEqual(['1.2.3.1.1', '1.2.3.1.2']);
      expect(uids((await index.searchSeries('default', q('SERIES', { Modality: 'CT' }), {}, 100)).items, Tags.SeriesInstanceUID)).toEqual(['1.2.3.1.1', '1.2.3.10.1']);
      expect(uids((await index.searchSeries('default', q('SERIES', { PatientID: 'P1', BodyPartExamined: 'CHEST' }), {}, 100)).items, Tags.SeriesInstanceUID)).toEqual(['1.2.3.1.1']);
      const [series] = (await index.searchSeries('default', q('SERIES'), { study: '1.2.3.1', series: '1.2.3.1.1' }, 100)).items;
      expect(series?.numberOfInstances).toBe(2);
    });

    it('searches instances in instance-number order, by SOP class and by attributes of any level', async () => {
      const inSeries = await index.searchInstances('default', q('IMAGE'), { study: '1.2.3.1', series: '1.2.3.1.1' }, 100);
      expect(uids(inSeries.items, Tags.SOPInstanceUID)).toEqual(['1.2.3.1.1.2', '1.2.3.1.1.1']);
      expect(uids((await index.searchInstances('default', q('IMAGE', { SOPClassUID: MR }), {}, 100)).items, Tags.SOPInstanceUID)).toEqual(['1.2.3.1.2.1']);
      expect(uids((await index.searchInstances('default', q('IMAGE', { Rows: '512', PatientName: 'ROE^JANE' }), {}, 100)).items, Tags.SOPInstanceUID)).toEqual(['1.2.3.10.1.1']);
    });

    it('returns metadata of a study, a series or one instance in instance order', async () => {
      expect(uids((await index.metadata('default', { study: '1.2.3.1' })).map((m) => ({ metadata: m })), Tags.SOPInstanceUID)).toEqual(['1.2.3.1.1.2', '1.2.3.1.1.1', '1.2.3.1.2.1']);
      expect(await index.metadata('default', { study: '1.2.3.1', series: '1.2.3.1.1', instance: '1.2.3.1.1.1' })).toHaveLength(1);
      expect(await index.metadata('default', { study: '9.9.9' })).toEqual([]);
    });

    it('searches patients with the counts computed over their studies', async () => {
      const patients = await index.searchPatients('default', q('PATIENT'), 100);
      expect(patients.items.map((p) => stringValue(p.attributes, tagKey(Tags.PatientID)))).toEqual(['P1', 'P2', 'P3']);
      expect(patients.items[0]).toMatchObject({ numberOfStudies: 1, numberOfSeries: 2, numberOfInstances: 3 });
      const byName = await index.searchPatients('default', q('PATIENT', { PatientName: 'doe*' }), 100);
      expect(byName.items.map((p) => stringValue(p.attributes, tagKey(Tags.PatientID)))).toEqual(['P1', 'P3']);
      expect(byName.items[0]?.attributes['00080020']).toBeUndefined();
    });

    it('matches sequences: some item must match every nested key (PS3.4 C.2.2.2.6)', async () => {
      const identifier = (procedure: string) =>
        readIdentifier({ '00080052': { vr: 'CS', Value: ['SERIES'] }, '0020000E': { vr: 'UI' }, '00400275': { vr: 'SQ', Value: [{ '00401001': { vr: 'SH', Value: [procedure] } }] } });
      const query = (procedure: string) => ({ level: 'SERIES' as const, keys: identifier(procedure).keys, includeFields: [], offset: 0, fuzzyMatching: false });
      expect(uids((await index.searchSeries('default', query('RP9'), {}, 100)).items, Tags.SeriesInstanceUID)).toEqual(['1.2.3.2.1']);
      expect(uids((await index.searchSeries('default', query('RP*'), {}, 100)).items, Tags.SeriesInstanceUID)).toEqual(['1.2.3.2.1']);
      expect((await index.searchSeries('default', query('RP8'), {}, 100)).items).toEqual([]);
    });

    it('takes the patient and study attributes of the latest instance, and keeps them when later ones repeat them', async () => {
      const base = { study: '1.2.3.50', series: '1.2.3.50.1', patientId: 'P50', date: '20240301', modality: 'CT', seriesNumber: 1 };
      const studyOf = async (): Promise<DicomJsonDataset | undefined> => (await index.searchStudies('default', q('STUDY', { StudyInstanceUID: '1.2.3.50' }), 10)).items[0]?.attributes;
      const patientOf = async (): Promise<DicomJsonDataset | undefined> => (await index.searchPatients('default', q('PATIENT', { PatientID: 'P50' }), 10)).items[0]?.attributes;
      expect(await index.index(instance('default', { ...base, sop: '1.2.3.50.1.1', patient: 'Before^Name', instanceNumber: 1, accession: 'A50' }))).toBe('indexed');
      expect(await index.index(instance('default', { ...base, sop: '1.2.3.50.1.2', patient: 'After^Name', instanceNumber: 2, accession: 'A51' }))).toBe('indexed');
      expect((await studyOf())?.['00080050']).toEqual({ vr: 'SH', Value: ['A51'] });
      expect((await patientOf())?.['00100010']).toEqual(pn('After^Name'));
      expect(await index.index(instance('default', { ...base, sop: '1.2.3.50.1.3', patient: 'After^Name', instanceNumber: 3, accession: 'A51' }))).toBe('indexed');
      expect((await index.searchStudies('default', q('STUDY', { PatientName: 'after*' }), 10)).items).toHaveLength(1);
      expect((await index.searchStudies('default', q('STUDY', { AccessionNumber: 'A51' }), 10)).items[0]).toMatchObject({ numberOfInstances: 3, numberOfSeries: 1 });
      expect((await index.searchPatients('default', q('PATIENT', { PatientID: 'P50' }), 10)).items[0]).toMatchObject({ numberOfStudies: 1, numberOfInstances: 3 });
    });

    it('coerces nothing while only instances have spoken for the patients (their objects carry those demographics)', async () => {
      expect((await index.currentPatients('default', ['1.2.3.1', '9.9.9.9'])).size).toBe(0);
      expect((await index.currentPatients('default', [])).size).toBe(0);
    });

    it('keeps tenants apart even with identical UIDs', async () => {
      const other = await index.searchStudies('other', q('STUDY'), 100);
      expect(other.items).toHaveLength(1);
      expect(stringValue(other.items[0]?.attributes ?? {}, tagKey(Tags.PatientID))).toBe('X9');
      expect((await index.searchStudies('default', q('STUDY', { PatientID: 'X9' }), 100)).items).toEqual([]);
      expect(await index.metadata('nobody', { study: '1.2.3.1' })).toEqual([]);
    });
  
    it('keeps counts right as a study grows, and recounts both studies when an instance is stored again elsewhere', async () => {
      const at = (study: string, series: string, sop: string, modality: string, sopClass = CT) =>
        instance('default', { study, series, sop, sopClass, patient: 'Moved^Mo', patientId: 'P7', date: '20240301', modality, seriesNumber: 1, instanceNumber: 1 });
      await index.index(at('7.1', '7.1.1', '7.1.1.1', 'CT'));
      await index.index(at('7.1', '7.1.1', '7.1.1.2', 'CT'));
      await index.index(at('7.1', '7.1.2', '7.1.2.1', 'SR', MR));
      const counts = async (study: string) => {
        const [s] = (await index.searchStudies('default', q('STUDY', { StudyInstanceUID: study }), 10)).items;
        return s && [s.numberOfSeries, s.numberOfInstances, s.modalitiesInStudy, s.sopClassesInStudy];
      };
      expect(await counts('7.1')).toEqual([2, 3, ['CT', 'SR'], [CT, MR]]);
      // 7.1.1.2 arrives again as another object, now in study 7.2.
      expect(await index.index({ ...at('7.2', '7.2.1', '7.1.1.2', 'MR', MR), objectKey: 'default/7.2/7.2.1/7.1.1.2/v2.dcm' })).toBe('indexed');
      expect(await counts('7.1')).toEqual([2, 2, ['CT', 'SR'], [CT, MR]]);
      expect(await counts('7.2')).toEqual([1, 1, ['MR'], [MR]]);
      const [series] = (await index.searchSeries('default', q('SERIES', { SeriesInstanceUID: '7.1.1' }), {}, 10)).items;
      expect(series?.numberOfInstances).toBe(1);
    });

    it('indexes a batch as index() would each instance in turn: new, repeated, known, and moved ones', async () => {
      const at = (study: string, series: string, sop: string, modality: string, sopClass = CT, patient = 'Batch^Bo') =>
        instance('default', { study, series, sop, sopClass, patient, patientId: 'P8', date: '20240401', modality, seriesNumber: 1, instanceNumber: Number(sop.split('.').at(-1)) });
      expect(await index.index(at('8.1', '8.1.1', '8.1.1.1', 'CT'))).toBe('indexed');
      const counts = async (study: string) => {
        const [s] = (await index.searchStudies('default', q('STUDY', { StudyInstanceUID: study }), 10)).items;
        return s && [s.numberOfSeries, s.numberOfInstances, s.modalitiesInStudy, s.sopClassesInStudy];
      };
      const results = await index.indexMany([
        at('8.1', '8.1.1', '8.1.1.1', 'CT'), // known, unchanged
        at('8.1', '8.1.1', '8.1.1.2', 'CT'),
        at('8.1', '8.1.2', '8.1.2.1', 'SR', MR),
        at('8.1', '8.1.1', '8.1.1.2', 'CT'), // repeated within the batch
        at('8.2', '8.2.1', '8.2.1.1', 'MR', MR),
        { ...at('8.2', '8.2.1', '8.1.1.2', 'MR', MR), objectKey: 'default/8.2/8.2.1/8.1.1.2/v2.dcm' }, // stored again, moved to 8.2
        at('8.1', '8.1.1', '8.1.1.3', 'CT'),
        at('8.2', '8.2.1', '8.2.1.2', 'MR', MR, 'Batch^Renamed'),
      ]);
      expect(results).toEqual(['unchanged', 'indexed', 'indexed', 'unchanged', 'indexed', 'indexed', 'indexed', 'indexed']);
      expect(await counts('8.1')).toEqual([2, 3, ['CT', 'SR'], [CT, MR]]);
      expect(await counts('8.2')).toEqual([1, 3, ['MR'], [MR]]);
      const series = async (uid: string) => (await index.searchSeries('default', q('SERIES', { SeriesInstanceUID: uid }), {}, 10)).items[0]?.numberOfInstances;
      expect([await series('8.1.1'), await series('8.1.2'), await series('8.2.1')]).toEqual([2, 1, 3]);
      const inOrder = await index.metadata('default', { study: '8.1' });
      expect(inOrder.map((m) => stringValue(m, tagKey(Tags.SOPInstanceUID)))).toEqual(['8.1.1.1', '8.1.1.3', '8.1.2.1']);
      // The latest instance's patient attributes won.
      expect((await index.searchPatients('default', q('PATIENT', { PatientID: 'P8' }), 10)).items[0]?.attributes['00100010']).toEqual(pn('Batch^Renamed'));
      expect(await index.indexMany([])).toEqual([]);
    });

    it('matches person names fuzzily when asked: accents, case, order and word beginnings (PS3.4 C.2.2.2.1)', async () => {
      const at = (study: string, patient: string, patientId: string) =>
        instance('default', { study, series: `${study}.1`, sop: `${study}.1.1`, patient, patientId, date: '20240501', modality: 'CT', seriesNumber: 1, instanceNumber: 1 });
      const withOperator = at('9.2', 'Müller^Hans', 'P92');
      const operated = { ...withOperator, metadata: { ...withOperator.metadata, '00081070': pn('Åström^Örjan') } };
      expect(await index.indexMany([at('9.1', 'GARCÍA-LÓPEZ^Ána', 'P91'), operated])).toEqual(['indexed', 'indexed']);
      const fuzzy = (params: Record<string, string>) => parseQidoQuery('STUDY', [...Object.entries(params), ['fuzzymatching', 'true']]);
      const studies = async (params: Record<string, string>) => uids((await index.searchStudies('default', fuzzy(params), 100)).items, Tags.StudyInstanceUID);
      expect(await studies({ PatientName: 'jo do' })).toEqual(['1.2.3.1']);
      expect(await studies({ PatientName: 'doe' })).toEqual(['1.2.3.1', '1.2.3.2']);
      expect(await studies({ PatientName: 'jan*' })).toEqual(['1.2.3.10', '1.2.3.2']);
      expect(await studies({ PatientName: 'muller' })).toEqual(['9.2']);
      expect(await studies({ PatientName: 'ana garcia lopez' })).toEqual(['9.1']);
      expect(await studies({ PatientName: 'lop^an' })).toEqual(['9.1']);
      expect(await studies({ PatientName: 'mull\\roe' })).toEqual(['1.2.3.10', '9.2']);
      expect(await studies({ PatientName: 'ohn' })).toEqual([]);
      // Without fuzzymatching the same value matches literally.
      expect(uids((await index.searchStudies('default', q('STUDY', { PatientName: 'muller' }), 100)).items, Tags.StudyInstanceUID)).toEqual([]);
      const patients = await index.searchPatients('default', parseQidoQuery('PATIENT', [['PatientName', 'hans'], ['fuzzymatching', 'true']]), 100);
      expect(patients.items.map((p) => stringValue(p.attributes, tagKey(Tags.PatientID)))).toEqual(['P92']);
      // A person name kept in JSON only (not a column) matches the same way.
      const inJson = await index.searchSeries('default', parseQidoQuery('SERIES', [['OperatorsName', 'orj ast'], ['fuzzymatching', 'true']]), {}, 100);
      expect(uids(inJson.items, Tags.SeriesInstanceUID)).toEqual(['9.2.1']);
    });

    it('matches a QIDO key through a sequence (PS3.18 8.3.4.1, PS3.4 C.2.2.2.6)', async () => {
      const series = async (value: string) =>
        uids((await index.searchSeries('default', q('SERIES', { 'RequestAttributesSequence.RequestedProcedureID': value }), {}, 100)).items, Tags.SeriesInstanceUID);
      expect(await series('RP9')).toEqual(['1.2.3.2.1']);
      expect(await series('RP-OTHER')).toEqual(['1.2.3.2.1']);
      expect(await series('RP8')).toEqual([]);
    });

    it('gives the same metadata as JSON text, readied for a response: tag order, ISO_IR 192', async () => {
      const charset = instance('default', { study: '1.2.3.70', series: '1.2.3.70.1', sop: '1.2.3.70.1.1', patient: 'Lüthi^Anna', patientId: 'P70', date: '20240101', modality: 'CT', seriesNumber: 1, instanceNumber: 1 });
      await index.index({ ...charset, metadata: { '00080005': { vr: 'CS', Value: ['ISO_IR 100'] }, ...charset.metadata } });
      for (const study of ['1.2.3.1', '1.2.3.70']) {
        const texts = await index.metadataJson('default', { study });
        const metadata = await index.metadata('default', { study });
        expect(texts.map((t) => JSON.parse(t.json) as DicomJsonDataset)).toEqual(metadata.map(forJson));
        expect(texts.map((t) => [t.seriesInstanceUID, t.sopInstanceUID])).toEqual(metadata.map((m) => [stringValue(m, '0020000E'), stringValue(m, '00080018')]));
        for (const t of texts) expect(Object.keys(JSON.parse(t.json) as object)).toEqual(Object.keys(JSON.parse(t.json) as object).sort());
      }
      expect(JSON.parse((await index.metadataJson('default', { study: '1.2.3.70' }))[0]?.json as string)['00080005']).toEqual({ vr: 'CS', Value: ['ISO_IR 192'] });
      expect(await index.metadataJson('default', { study: '9.9.9' })).toEqual([]);
    });
  });
}
