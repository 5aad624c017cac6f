import { MemoryWorklistStore } from '@tessera/worklist';
import { SaveWorklistItemUseCase } from './save-worklist-item.use-case';

const body = (spsId?: string) => ({
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
  '00100020': { vr: 'LO', Value: ['P1'] },
  '00321060': { vr: 'LO', Value: ['CT head'] },
  '00401001': { vr: 'SH', Value: ['RP1'] },
  '00400100': {
    vr: 'SQ',
    Value: [
      {
        '00080060': { vr: 'CS', Value: ['CT'] },
        '00400001': { vr: 'AE', Value: ['CT1'] },
        '00400002': { vr: 'DA', Value: ['20240301'] },
        '00400003': { vr: 'TM', Value: ['0800'] },
        '00400007': { vr: 'LO', Value: ['Head'] },
        ...(spsId ? { '00400009': { vr: 'SH', Value: [spsId] } } : {}),
      },
    ],
  },
});

describe('SaveWorklistItemUseCase', () => {
  let n = 0;
  const ids = { studyInstanceUID: () => `1.2.9.${++n}`, scheduledProcedureStepID: () => `GEN${n}` };

  it('creates new items with new identifiers and never replaces one on create', async () => {
    const save = new SaveWorklistItemUseCase(new MemoryWorklistStore(), ids);
    const first = await save.execute({ tenant: 'default', body: body() });
    expect(first).toMatchObject({ kind: 'created', item: { studyInstanceUID: '1.2.9.1', scheduledProcedureStepID: 'GEN1' } });
    const again = { ...body('GEN1'), '0020000D': { vr: 'UI', Value: ['1.2.9.1'] } };
    expect(await save.execute({ tenant: 'default', body: again })).toEqual({ kind: 'exists', studyInstanceUID: '1.2.9.1', scheduledProcedureStepID: 'GEN1' });
    expect(await save.execute({ tenant: 'other', body: again })).toMatchObject({ kind: 'created' });
  });

  it('creates or replaces at an address, and refuses a bad address or item with the reason', async () => {
    const save = new SaveWorklistItemUseCase(new MemoryWorklistStore(), ids);
    const address = { studyInstanceUID: '1.2.5', scheduledProcedureStepID: 'S1' };
    expect(await save.execute({ tenant: 'default', body: body(), address })).toMatchObject({ kind: 'created', item: address });
    expect(await save.execute({ tenant: 'default', body: body('S1'), address })).toMatchObject({ kind: 'updated', item: address });
    expect(await save.execute({ tenant: 'default', body: body(), address: { ...address, studyInstanceUID: '1.2.x' } })).toEqual({ kind: 'invalid', message: '"1.2.x" is not a valid Study Instance UID (PS3.5 9.1)' });
    expect(await save.execute({ tenant: 'default', body: body('S2'), address })).toEqual({ kind: 'invalid', message: 'ScheduledProcedureStepID (0040,0009) "S2" differs from the item\'s address, "S1"' });
    expect(await save.execute({ tenant: 'default', body: {} })).toMatchObject({ kind: 'invalid', message: expect.stringContaining('PatientName (0010,0010) is required') });
  });
});
