import type { IncomingMessage } from '@tessera/bus';
import { tagKey, type DicomJsonDataset } from '@tessera/dicom';
import { silentLogger } from '@tessera/telemetry';
import { MemoryWorklistStore, scheduledStepOf, WorklistTags, type WorklistItem } from '@tessera/worklist';
import { FollowProcedureStepUseCase } from './follow-procedure-step.use-case';

const STUDY = '1.2.826.0.1.3680043.10.1138.50';

function item(tenant: string, step: string): WorklistItem {
  const attributes: DicomJsonDataset = {
    '00100020': { vr: 'LO', Value: ['P-50'] },
    '0020000D': { vr: 'UI', Value: [STUDY] },
    '00400100': { vr: 'SQ', Value: [{ '00400009': { vr: 'SH', Value: [step] }, '00400020': { vr: 'CS', Value: ['SCHEDULED'] } }] },
  };
  return { tenant, studyInstanceUID: STUDY, scheduledProcedureStepID: step, attributes };
}

/** A procedure-step event as the MPPS SCP publishes it, performing the scheduled steps named. */
function event(status: 'IN PROGRESS' | 'COMPLETED' | 'DISCONTINUED', steps: (string | undefined)[], tenant = 'default'): IncomingMessage {
  const type = { 'IN PROGRESS': 'procedure-step.in-progress.v1', COMPLETED: 'procedure-step.completed.v1', DISCONTINUED: 'procedure-step.discontinued.v1' }[status];
  const final = status !== 'IN PROGRESS';
  const data = {
    sopInstanceUID: '1.2.826.0.1.3680043.10.1138.51',
    status,
    revision: final ? 2 : 1,
    studyInstanceUID: STUDY,
    performedProcedureStepID: 'PPS-1',
    modality: 'CT',
    performedStationAETitle: 'CT01',
    startDateTime: '2026-11-22T10:15:30',
    ...(final ? { endDateTime: '2026-11-22T10:45:00' } : {}),
    patient: { patientID: 'P-50' },
    scheduledSteps: steps.map((id) => ({ studyInstanceUID: STUDY, ...(id ? { scheduledProcedureStepID: id } : {}) })),
    performedSeries: final ? [{ seriesInstanceUID: `${STUDY}.1`, protocolName: 'Chest', instances: [] }] : [],
    receivedVia: { callingAETitle: 'CT01', calledAETitle: 'TESSERA', remoteAddress: '127.0.0.1' },
  };
  const envelope = { id: '00000000-0000-4000-8000-000000000051', type, tenant, occurredAt: '2026-11-22T10:45:00.000Z', source: 'test', correlationId: 'assoc-1', data };
  return { topic: 'tessera.procedure-steps', partition: 0, offset: '0', key: `${tenant}/${STUDY}`, value: Buffer.from(JSON.stringify(envelope)), headers: { 'tessera-event-type': type } };
}

describe('the worklist following performed procedure steps', () => {
  let store: MemoryWorklistStore;
  let useCase: FollowProcedureStepUseCase;
  const status = async (step: string, tenant = 'default') => {
    const found = await store.find(tenant, STUDY, step);
    return found && scheduledStepOf(found.attributes)[tagKey(WorklistTags.ScheduledProcedureStepStatus)]?.Value?.[0];
  };

  beforeEach(async () => {
    store = new MemoryWorklistStore();
    useCase = new FollowProcedureStepUseCase(store, silentLogger);
    for (const step of ['SPS-1', 'SPS-2']) await store.create(item('default', step));
    await store.create(item('other', 'SPS-1'));
  });

  it('starts the scheduled steps a modality begins, then completes them, in the tenant of the event only', async () => {
    expect(await useCase.handle(event('IN PROGRESS', ['SPS-1', 'SPS-2']))).toBe(2);
    expect([await status('SPS-1'), await status('SPS-2'), await status('SPS-1', 'other')]).toEqual(['STARTED', 'STARTED', 'SCHEDULED']);
    expect(await useCase.handle(event('COMPLETED', ['SPS-1']))).toBe(1);
    expect([await status('SPS-1'), await status('SPS-2')]).toEqual(['COMPLETED', 'STARTED']);
    expect(await useCase.handle(event('DISCONTINUED', ['SPS-2']))).toBe(1);
    expect(await status('SPS-2')).toBe('DISCONTINUED');
  });

  it('never reopens a finished step when an older event comes again, and ignores steps it does not hold', async () => {
    await useCase.handle(event('COMPLETED', ['SPS-1']));
    expect(await useCase.handle(event('IN PROGRESS', ['SPS-1']))).toBe(0);
    expect(await useCase.handle(event('DISCONTINUED', ['SPS-1']))).toBe(0);
    expect(await status('SPS-1')).toBe('COMPLETED');
    // An unscheduled procedure (no Scheduled Procedure Step ID) and one the worklist never had.
    expect(await useCase.handle(event('IN PROGRESS', [undefined, 'SPS-UNKNOWN']))).toBe(0);
    expect(await status('SPS-2')).toBe('SCHEDULED');
  });

  it('skips other event types and dead-letters what is not a procedure-step event', async () => {
    const other = { ...event('IN PROGRESS', ['SPS-1']) };
    const envelope = JSON.parse(other.value.toString()) as Record<string, unknown>;
    expect(await useCase.handle({ ...other, value: Buffer.from(JSON.stringify({ ...envelope, type: 'procedure-step.scheduled.v9' })) })).toBe(0);
    expect(await status('SPS-1')).toBe('SCHEDULED');
    await expect(useCase.handle({ ...other, value: Buffer.from('not json') })).rejects.toThrow('not JSON');
    await expect(useCase.handle({ ...other, value: Buffer.from(JSON.stringify({ ...envelope, data: { status: 'IN PROGRESS' } })) })).rejects.toThrow('breaks its schema');
  });
});
