import { checkWorklistItem, MemoryWorklistStore } from '@tessera/worklist';
import { SearchWorklistItemsUseCase } from './search-worklist-items.use-case';

async function store(): Promise<MemoryWorklistStore> {
  const s = new MemoryWorklistStore();
  const steps = [
    ['A', 'CT', 'CT1', '20240301', 'SCHEDULED'],
    ['B', 'MR', 'MR1', '20240302', 'COMPLETED'],
    ['C', 'CT', 'CT2', '20240303', 'SCHEDULED'],
  ] as const;
  for (const [id, modality, station, date, status] of steps) {
    const body = {
      '00100010': { vr: 'PN', Value: [{ Alphabetic: `Doe^${id}` }] },
      '00100020': { vr: 'LO', Value: [`P-${id}`] },
      '00321060': { vr: 'LO', Value: ['Exam'] },
      '00401001': { vr: 'SH', Value: [`RP-${id}`] },
      '00400100': { vr: 'SQ', Value: [{ '00080060': { vr: 'CS', Value: [modality] }, '00400001': { vr: 'AE', Value: [station] }, '00400002': { vr: 'DA', Value: [date] }, '00400003': { vr: 'TM', Value: ['1000'] }, '00400007': { vr: 'LO', Value: ['Exam'] }, '00400020': { vr: 'CS', Value: [status] } }] },
    };
    await s.create({ tenant: 'default', ...checkWorklistItem(body, { studyInstanceUID: () => '1.2.3', scheduledProcedureStepID: () => id }) });
  }
  return s;
}

describe('SearchWorklistItemsUseCase', () => {
  const ids = (result: Awaited<ReturnType<SearchWorklistItemsUseCase['execute']>>) => (result.kind === 'items' ? result.items.map((i) => i.scheduledProcedureStepID) : result.message);

  it('filters by keyword or tag like QIDO-RS, every status included unless asked, and pages', async () => {
    const search = new SearchWorklistItemsUseCase(await store());
    const run = (params: [string, string][]) => search.execute({ tenant: 'default', params });
    expect(ids(await run([]))).toEqual(['A', 'B', 'C']);
    expect(ids(await run([['Modality', 'CT'], ['ScheduledProcedureStepStartDate', '20240302-']]))).toEqual(['C']);
    expect(ids(await run([['00400001', 'CT*'], ['limit', '1'], ['offset', '1']]))).toEqual(['C']);
    expect(ids(await run([['ScheduledProcedureStepStatus', 'COMPLETED'], ['PatientName', 'doe^b']]))).toEqual(['B']);
  });

  it('refuses filters and paging it cannot honour, naming them', async () => {
    const search = new SearchWorklistItemsUseCase(await store());
    const run = (params: [string, string][]) => search.execute({ tenant: 'default', params });
    expect(ids(await run([['PatientBirthDate', '19700101']]))).toMatch(/^PatientBirthDate is not a filter of worklist items; filter by AccessionNumber, PatientName, PatientID, StudyInstanceUID, RequestedProcedureID, Modality, ScheduledStationAETitle/);
    expect(ids(await run([['Nonsense', 'x']]))).toMatch(/Unknown attribute "Nonsense"/);
    expect(ids(await run([['Modality', 'CT'], ['00080060', 'MR']]))).toBe('00080060 is given more than once');
    expect(ids(await run([['ScheduledProcedureStepStartDate', '2024-03-01']]))).toBe('00400002: "2024-03-01" is not a range');
    expect(ids(await run([['limit', '1001']]))).toBe('limit must be an integer from 1 to 1000, not "1001"');
    expect(ids(await run([['offset', '-1']]))).toBe('offset must be an integer from 0 to 999999999, not "-1"');
  });
});
