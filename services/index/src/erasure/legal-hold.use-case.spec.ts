import { MemoryPatientErasure } from '@tessera/erasure';
import { ClearLegalHoldUseCase } from './clear-legal-hold.use-case';
import { ReadLegalHoldUseCase } from './read-legal-hold.use-case';
import { SetLegalHoldUseCase } from './set-legal-hold.use-case';

const P1 = { patientID: 'P1', issuerOfPatientID: '' };
const AT = new Date('2026-11-22T12:00:00Z');

describe('legal holds', () => {
  it('sets a hold with its reason, reads it, and clears it once', async () => {
    const store = new MemoryPatientErasure();
    const hold = { patient: P1, reason: 'litigation 2026-17', setBy: 'admin-sub', setAt: AT };

    expect(await new SetLegalHoldUseCase(store, () => AT).execute('default', P1, 'litigation 2026-17', 'admin-sub')).toEqual({ kind: 'set', hold });
    expect(await new ReadLegalHoldUseCase(store).execute('default', P1)).toEqual(hold);
    expect(await new ReadLegalHoldUseCase(store).execute('other', P1)).toBeUndefined();
    expect(await new ClearLegalHoldUseCase(store).execute('default', P1)).toEqual({ kind: 'cleared', hold });
    expect(await new ClearLegalHoldUseCase(store).execute('default', P1)).toEqual({ kind: 'not-held' });
  });

  it('wants a reason', async () => {
    const store = new MemoryPatientErasure();
    expect(await new SetLegalHoldUseCase(store).execute('default', P1, '', 'admin-sub')).toMatchObject({ kind: 'invalid', message: expect.stringContaining('reason') });
    expect(await store.holdOf('default', P1)).toBeUndefined();
  });
});
