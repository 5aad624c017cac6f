import type { DicomJsonDataset } from '@tessera/dicom';
import type { OutboxEntry } from '@tessera/outbox';
import type { PerformedProcedureStep, ProcedureStepStore } from './procedure-step-store.port';

const attributes = (status: string, extra: DicomJsonDataset = {}): DicomJsonDataset => ({
  '00080060': { vr: 'CS', Value: ['CT'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] },
  '00400252': { vr: 'CS', Value: [status] },
  '00400270': { vr: 'SQ', Value: [{ '0020000D': { vr: 'UI', Value: ['1.2.9'] }, '00080050': { vr: 'SH', Value: ['ACC1'] } }] },
  ...extra,
});

const step = (tenant: string, sop: string, extra: Partial<PerformedProcedureStep> = {}): Omit<PerformedProcedureStep, 'revision'> => ({
  tenant,
  sopInstanceUID: sop,
  status: 'IN PROGRESS',
  studyInstanceUID: '1.2.9',
  accessionNumber: 'ACC1',
  attributes: attributes('IN PROGRESS'),
  ...extra,
});

let serial = 0;
function event(name: string): OutboxEntry {
  serial += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    topic: 'tessera.procedure-steps',
    key: 'default/1.2.9',
    envelope: { id: 'x', type: 'procedure-step.in-progress.v1', tenant: 'default', occurredAt: '2026-11-22T10:00:00.000Z', source: 'test', correlationId: name, data: {} },
    headers: { 'tessera-event-type': 'procedure-step.in-progress.v1' },
  };
}

/** What a contract run needs: the store, and which events its outbox holds (by correlation id, in order). */
export interface ProcedureStepStoreFixture {
  readonly store: ProcedureStepStore;
  recordedEvents(): Promise<string[]>;
  close(): Promise<void>;
}

/** The behaviour every ProcedureStepStore adapter must have (STYLE 10). */
export function describeProcedureStepStoreContract(name: string, create: () => Promise<ProcedureStepStoreFixture>): void {
  describe(`ProcedureStepStore contract: ${name}`, () => {
    let fixture: ProcedureStepStoreFixture;
    beforeAll(async () => (fixture = await create()));
    afterAll(async () => fixture.close());

    it('creates a step at revision 1 with its events, and refuses the same SOP instance again without writing', async () => {
      expect(await fixture.store.create(step('default', '1.2.9.100'), [event('create-100')])).toBe('created');
      expect(await fixture.store.find('default', '1.2.9.100')).toEqual({ ...step('default', '1.2.9.100'), revision: 1 });
      expect(await fixture.store.create(step('default', '1.2.9.100', { studyInstanceUID: '1.2.8' }), [event('create-100-again')])).toBe('duplicate');
      expect(await fixture.store.find('default', '1.2.9.100')).toMatchObject({ studyInstanceUID: '1.2.9', revision: 1 });
      expect(await fixture.recordedEvents()).toEqual(['create-100']);
    });

    it('keeps a step without an accession number, and tenants apart', async () => {
      const withoutAccession = { tenant: 'other', sopInstanceUID: '1.2.9.100', status: 'IN PROGRESS' as const, studyInstanceUID: '1.2.7', attributes: attributes('IN PROGRESS') };
      expect(await fixture.store.create(withoutAccession, [])).toBe('created');
      expect(await fixture.store.find('other', '1.2.9.100')).toEqual({ ...withoutAccession, revision: 1 });
      expect(await fixture.store.find('default', '1.2.9.100')).toMatchObject({ studyInstanceUID: '1.2.9' });
      expect(await fixture.store.find('nobody', '1.2.9.100')).toBeUndefined();
    });

    it('updates an IN PROGRESS step read at the current revision, and only then records the events', async () => {
      await fixture.store.create(step('default', '1.2.9.200'), [event('create-200')]);
      const set = attributes('IN PROGRESS', { '00400254': { vr: 'LO', Value: ['CT chest'] } });
      expect(await fixture.store.update({ tenant: 'default', sopInstanceUID: '1.2.9.200', fromRevision: 1, status: 'IN PROGRESS', attributes: set }, [event('set-200-1')])).toBe('updated');
      expect(await fixture.store.update({ tenant: 'default', sopInstanceUID: '1.2.9.200', fromRevision: 1, status: 'COMPLETED', attributes: set }, [event('stale-200')])).toBe('stale');
      expect(await fixture.store.find('default', '1.2.9.200')).toEqual({ ...step('default', '1.2.9.200'), attributes: set, revision: 2 });
      expect(await fixture.store.update({ tenant: 'other', sopInstanceUID: '1.2.9.200', fromRevision: 2, status: 'COMPLETED', attributes: set }, [event('unknown-200')])).toBe('stale');
      expect((await fixture.recordedEvents()).filter((e) => e.includes('200'))).toEqual(['create-200', 'set-200-1']);
    });

    it('never changes a step once it is COMPLETED or DISCONTINUED (PS3.4 F.7.2.2.3)', async () => {
      for (const [sop, final] of [['1.2.9.300', 'COMPLETED'], ['1.2.9.301', 'DISCONTINUED']] as const) {
        await fixture.store.create(step('default', sop), []);
        expect(await fixture.store.update({ tenant: 'default', sopInstanceUID: sop, fromRevision: 1, status: final, attributes: attributes(final) }, [event(`final-${sop}`)])).toBe('updated');
        expect(await fixture.store.update({ tenant: 'default', sopInstanceUID: sop, fromRevision: 2, status: 'IN PROGRESS', attributes: attributes('IN PROGRESS') }, [event(`after-${sop}`)])).toBe('stale');
        expect(await fixture.store.find('default', sop)).toMatchObject({ status: final, revision: 2, attributes: attributes(final) });
      }
      expect((await fixture.recordedEvents()).filter((e) => e.includes('.30'))).toEqual(['final-1.2.9.300', 'final-1.2.9.301']);
    });

    it('lets exactly one of several concurrent changes from one revision win', async () => {
      await fixture.store.create(step('default', '1.2.9.400'), []);
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map((i) => fixture.store.update({ tenant: 'default', sopInstanceUID: '1.2.9.400', fromRevision: 1, status: 'IN PROGRESS', attributes: attributes('IN PROGRESS', { '00400280': { vr: 'ST', Value: [`try ${i}`] } }) }, [event(`race-400-${i}`)])),
      );
      expect(outcomes.filter((o) => o === 'updated')).toHaveLength(1);
      expect((await fixture.recordedEvents()).filter((e) => e.startsWith('race-400'))).toHaveLength(1);
      expect(await fixture.store.find('default', '1.2.9.400')).toMatchObject({ revision: 2 });
    });

    it('returns copies: changing what it returned changes nothing stored', async () => {
      await fixture.store.create(step('default', '1.2.9.500'), []);
      const read = (await fixture.store.find('default', '1.2.9.500')) as PerformedProcedureStep;
      (read.attributes['00080060'] as { Value: unknown[] }).Value[0] = 'MR';
      expect((await fixture.store.find('default', '1.2.9.500'))?.attributes['00080060']).toEqual({ vr: 'CS', Value: ['CT'] });
    });
  });
}
