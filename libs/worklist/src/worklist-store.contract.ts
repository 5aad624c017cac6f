import { matchKey, Tags, type DicomJsonDataset, type MatchKey } from '@tessera/dicom';
import type { WorklistItem, WorklistStore } from './worklist.port';
import { WorklistTags } from './worklist-attributes';

interface Step {
  study: string;
  id: string;
  patientId?: string;
  patientName?: string;
  accession?: string;
  stations?: string[];
  date?: string;
  time?: string;
  modality?: string;
  status?: string;
}

const item = (tenant: string, s: Step): WorklistItem => {
  const attributes: DicomJsonDataset = {
    '00100010': { vr: 'PN', Value: [{ Alphabetic: s.patientName ?? 'Doe^Jane' }] },
    '00100020': { vr: 'LO', Value: [s.patientId ?? 'P1'] },
    '0020000D': { vr: 'UI', Value: [s.study] },
    '00321060': { vr: 'LO', Value: ['CT chest'] },
    '00400100': {
      vr: 'SQ',
      Value: [
        {
          '00080060': { vr: 'CS', Value: [s.modality ?? 'CT'] },
          '00400001': { vr: 'AE', Value: s.stations ?? ['CT1'] },
          '00400002': { vr: 'DA', Value: [s.date ?? '20240301'] },
          '00400003': { vr: 'TM', Value: [s.time ?? '080000'] },
          '00400007': { vr: 'LO', Value: ['Chest'] },
          '00400009': { vr: 'SH', Value: [s.id] },
          '00400020': { vr: 'CS', Value: [s.status ?? 'SCHEDULED'] },
        },
      ],
    },
    '00401001': { vr: 'SH', Value: [`RP-${s.id}`] },
  };
  if (s.accession !== undefined) attributes['00080050'] = { vr: 'SH', Value: [s.accession] };
  return { tenant, studyInstanceUID: s.study, scheduledProcedureStepID: s.id, attributes };
};

const key = (tag: number, vr: Parameters<typeof matchKey>[1], value: string): MatchKey => matchKey(tag, vr, value);
const filter = (keys: MatchKey[], stepKeys: MatchKey[] = [], limit = 100, offset = 0) => ({ keys, stepKeys, limit, offset });

/** The behaviour every WorklistStore adapter must have (STYLE 10). */
export function describeWorklistStoreContract(name: string, create: () => Promise<{ store: WorklistStore; close: () => Promise<void> }>): void {
  describe(`WorklistStore contract: ${name}`, () => {
    let store: WorklistStore;
    let close: () => Promise<void>;
    beforeAll(async () => ({ store, close } = await create()));
    afterAll(async () => close());

    it('creates once, replaces, finds and removes items by study and step, apart per tenant', async () => {
      const first = item('default', { study: '1.2.1', id: 'S1' });
      expect(await store.create(first)).toBe('created');
      expect(await store.create(item('default', { study: '1.2.1', id: 'S1', patientId: 'OTHER' }))).toBe('exists');
      expect(await store.find('default', '1.2.1', 'S1')).toEqual(first);
      const replaced = item('default', { study: '1.2.1', id: 'S1', status: 'ARRIVED' });
      expect(await store.put(replaced)).toBe('updated');
      expect(await store.put(item('default', { study: '1.2.1', id: 'S2' }))).toBe('created');
      expect(await store.put(item('other', { study: '1.2.1', id: 'S1', patientId: 'ELSEWHERE' }))).toBe('created');
      expect(await store.find('default', '1.2.1', 'S1')).toEqual(replaced);
      expect((await store.find('other', '1.2.1', 'S1'))?.attributes['00100020']?.Value).toEqual(['ELSEWHERE']);
      expect(await store.find('default', '1.2.1', 'S3')).toBeUndefined();
      expect(await store.remove('default', '1.2.1', 'S1')).toBe(true);
      expect(await store.remove('default', '1.2.1', 'S1')).toBe(false);
      expect(await store.remove('default', '1.2.1', 'S2')).toBe(true);
      expect(await store.find('other', '1.2.1', 'S1')).toBeDefined();
    });

    it('sets a status only from the states it is asked to leave, in the item and for matching, apart per tenant', async () => {
      const open = ['SCHEDULED', 'ARRIVED', 'READY'] as const;
      await store.create(item('status', { study: '1.4.1', id: 'S1', patientId: 'P-STATUS' }));
      await store.create(item('status-other', { study: '1.4.1', id: 'S1' }));
      expect(await store.setStatus('status', '1.4.1', 'S1', 'STARTED', open)).toBe(true);
      const status = async (tenant: string) => (await store.find(tenant, '1.4.1', 'S1'))?.attributes['00400100']?.Value?.[0] as DicomJsonDataset | undefined;
      expect((await status('status'))?.['00400020']).toEqual({ vr: 'CS', Value: ['STARTED'] });
      expect((await status('status'))?.['00400009']).toEqual({ vr: 'SH', Value: ['S1'] });
      expect((await store.find('status', '1.4.1', 'S1'))?.attributes['00100020']).toEqual({ vr: 'LO', Value: ['P-STATUS'] });
      expect((await status('status-other'))?.['00400020']).toEqual({ vr: 'CS', Value: ['SCHEDULED'] });
      // Already started: a second start changes nothing; the step can still end.
      expect(await store.setStatus('status', '1.4.1', 'S1', 'STARTED', open)).toBe(false);
      expect(await store.setStatus('status', '1.4.1', 'S1', 'COMPLETED', [...open, 'STARTED'])).toBe(true);
      expect(await store.setStatus('status', '1.4.1', 'S1', 'STARTED', open)).toBe(false);
      expect((await status('status'))?.['00400020']).toEqual({ vr: 'CS', Value: ['COMPLETED'] });
      expect((await store.search('status', filter([], [key(WorklistTags.ScheduledProcedureStepStatus, 'CS', 'COMPLETED')]))).map((i) => i.scheduledProcedureStepID)).toEqual(['S1']);
      expect(await store.search('status', filter([], [key(WorklistTags.ScheduledProcedureStepStatus, 'CS', 'STARTED')]))).toEqual([]);
      expect(await store.setStatus('status', '1.4.1', 'NOPE', 'STARTED', open)).toBe(false);
    });

    describe('search', () => {
      beforeAll(async () => {
        const steps: Step[] = [
          { study: '1.3.1', id: 'A', patientId: 'P-1', patientName: 'Müller^Hans', accession: 'ACC1', stations: ['CT1'], date: '20240301', time: '0800', modality: 'CT' },
          { study: '1.3.1', id: 'B', patientId: 'P-1', patientName: 'Müller^Hans', accession: 'ACC1', stations: ['CT1', 'CT2'], date: '20240301', time: '093000.5', modality: 'CT', status: 'STARTED' },
          { study: '1.3.2', id: 'A', patientId: 'P-2', patientName: 'Yamada^Tarou', stations: ['MR1'], date: '20240302', time: '1200', modality: 'MR' },
          { study: '1.3.3', id: 'A', patientId: 'P-3', patientName: 'Doe^John', accession: 'ACC3', stations: ['CT2'], date: '20240229', time: '235959', modality: 'CT', status: 'COMPLETED' },
        ];
        for (const s of steps) await store.create(item('search', s));
        await store.create(item('elsewhere', { study: '1.3.1', id: 'A', patientId: 'P-1', stations: ['CT1'] }));
      });
      const ids = async (keys: MatchKey[], stepKeys: MatchKey[] = [], limit = 100, offset = 0) =>
        (await store.search('search', filter(keys, stepKeys, limit, offset))).map((i) => `${i.studyInstanceUID}/${i.scheduledProcedureStepID}`);

      it('returns every item of the tenant in schedule order, paged by limit and offset', async () => {
        expect(await ids([])).toEqual(['1.3.3/A', '1.3.1/A', '1.3.1/B', '1.3.2/A']);
        expect(await ids([], [], 2, 1)).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([key(Tags.PatientID, 'LO', '')])).toHaveLength(4);
      });

      it('matches patient, request and study keys: single values, lists, wildcards, case-insensitive names', async () => {
        expect(await ids([key(Tags.PatientID, 'LO', 'P-1')])).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([key(Tags.PatientName, 'PN', 'MÜLLER^HANS')])).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([key(Tags.PatientName, 'PN', 'yam*')])).toEqual(['1.3.2/A']);
        expect(await ids([key(Tags.PatientName, 'PN', 'D?e^*')])).toEqual(['1.3.3/A']);
        expect(await ids([key(Tags.AccessionNumber, 'SH', 'ACC3\\ACC9')])).toEqual(['1.3.3/A']);
        // PS3.4 C.2.2.2.1: an item without the attribute does not match a key with a value.
        expect(await ids([key(Tags.AccessionNumber, 'SH', '*1')])).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([key(Tags.StudyInstanceUID, 'UI', '1.3.2\\1.3.3')])).toEqual(['1.3.3/A', '1.3.2/A']);
        expect(await ids([key(WorklistTags.RequestedProcedureID, 'SH', 'RP-B')])).toEqual(['1.3.1/B']);
        expect(await ids([key(Tags.PatientID, 'LO', 'P-1'), key(Tags.AccessionNumber, 'SH', 'NONE')])).toEqual([]);
      });

      it('matches Scheduled Procedure Step keys: stations of several values, modality, date and time ranges, status, ID', async () => {
        expect(await ids([], [key(WorklistTags.ScheduledStationAETitle, 'AE', 'CT2')])).toEqual(['1.3.3/A', '1.3.1/B']);
        expect(await ids([], [key(WorklistTags.ScheduledStationAETitle, 'AE', 'MR1\\CT1')])).toEqual(['1.3.1/A', '1.3.1/B', '1.3.2/A']);
        expect(await ids([], [key(WorklistTags.ScheduledStationAETitle, 'AE', 'M*')])).toEqual(['1.3.2/A']);
        expect(await ids([], [key(Tags.Modality, 'CS', 'CT'), key(WorklistTags.ScheduledProcedureStepStartDate, 'DA', '20240301-20240302')])).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([], [key(WorklistTags.ScheduledProcedureStepStartDate, 'DA', '-20240229')])).toEqual(['1.3.3/A']);
        expect(await ids([], [key(WorklistTags.ScheduledProcedureStepStartDate, 'DA', '20240302')])).toEqual(['1.3.2/A']);
        // An upper bound includes what it leaves unspecified: 0930 covers 09:30:00.5.
        expect(await ids([], [key(WorklistTags.ScheduledProcedureStepStartTime, 'TM', '0800-0930')])).toEqual(['1.3.1/A', '1.3.1/B']);
        expect(await ids([], [key(WorklistTags.ScheduledProcedureStepStatus, 'CS', 'SCHEDULED\\ARRIVED\\READY')])).toEqual(['1.3.1/A', '1.3.2/A']);
        expect(await ids([key(Tags.StudyInstanceUID, 'UI', '1.3.1')], [key(WorklistTags.ScheduledProcedureStepID, 'SH', 'B')])).toEqual(['1.3.1/B']);
      });

      it('refuses keys on attributes that are not indexed', async () => {
        await expect(store.search('search', filter([key(Tags.PatientBirthDate, 'DA', '19700101')]))).rejects.toThrow(/not an indexed worklist attribute/);
        await expect(store.search('search', filter([], [key(WorklistTags.ScheduledProcedureStepDescription, 'LO', 'Chest')]))).rejects.toThrow(/not an indexed worklist attribute/);
      });
    });
  });
}
