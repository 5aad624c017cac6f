import type { IncomingMessage } from '@tessera/bus';
import { StudyStableV1, type StudyStableV1 as StudyStableData } from '@tessera/contracts';
import { buildAcknowledgement, parseMessage } from '@tessera/hl7';
import { MemoryHl7Outbound } from '@tessera/hl7-store';
import { outboxEntry } from '@tessera/outbox';
import { silentLogger } from '@tessera/telemetry';
import type { MllpDestination, MllpSender } from '../mllp/mllp-client';
import { QueueResultUseCase } from './queue-result.use-case';
import { SendResultsUseCase } from './send-results.use-case';

const RIS: MllpDestination = { host: '127.0.0.1', port: 2576, tls: false };
const stable = (order: boolean, tenant = 'default'): IncomingMessage => {
  const data: StudyStableData = {
    studyInstanceUID: '1.2.826.0.1.3680043.10.1',
    accessionNumber: 'ACC-1',
    patient: { patientID: 'PAT-1', issuerOfPatientID: '' },
    demographics: { patientName: 'Everyman^Adam', patientSex: 'M' },
    modalitiesInStudy: ['CT'],
    numberOfSeries: 1,
    numberOfInstances: 2,
    lastInstanceAt: '2026-11-22T10:00:00.000Z',
    stableAfterSeconds: 60,
    ...(order ? { order: { accessionNumber: 'ACC-1', placerOrderNumber: 'PLC-1', scheduledProcedureStepID: 'SPS-1', studyInstanceUID: '1.2.826.0.1.3680043.10.1', status: 'SCHEDULED', patient: { patientID: 'PAT-1', issuerOfPatientID: 'HOSP' } } } : {}),
  };
  const entry = outboxEntry(StudyStableV1, { tenant, source: 'index@test', correlationId: 'c' }, data, new Date('2026-11-22T10:01:00Z'));
  return { topic: entry.topic, partition: 0, offset: '0', key: entry.key, value: Buffer.from(JSON.stringify(entry.envelope)), headers: entry.headers };
};

/** A RIS that answers each message with the code it is told to, or fails the connection. */
class FakeRis implements MllpSender {
  readonly received: Buffer[] = [];
  constructor(public answers: ('AA' | 'AE' | 'AR' | 'refuse' | 'garbage')[]) {}
  async send(_destination: MllpDestination, payload: Buffer): Promise<Buffer> {
    this.received.push(payload);
    const answer = this.answers.shift() ?? 'AA';
    if (answer === 'refuse') throw new Error('connect ECONNREFUSED 127.0.0.1:2576');
    if (answer === 'garbage') return Buffer.from('not HL7');
    const parsed = parseMessage(payload);
    if (!parsed.ok) throw new Error('unparseable message');
    return buildAcknowledgement({
      received: parsed.message,
      outcome: answer === 'AA' ? 'accept' : answer === 'AE' ? 'error' : 'reject',
      ...(answer === 'AA' ? {} : { error: { condition: { code: '204', text: 'Unknown key identifier' }, severity: 'E' as const, userMessage: 'no such order', location: { segment: 'ORC', sequence: 3, field: 2 } } }),
      now: new Date(),
      controlId: 'RIS-ACK',
    }).bytes;
  }
}

describe('results out', () => {
  let clock = new Date('2026-11-22T10:02:00Z');
  const now = (): Date => clock;
  const setUp = (answers: FakeRis['answers']) => {
    const outbound = new MemoryHl7Outbound();
    const ris = new FakeRis(answers);
    let woken = 0;
    const queue = new QueueResultUseCase(outbound, () => woken++, silentLogger, { destinations: { default: RIS }, facilities: { default: 'RADIOLOGY' }, now });
    const send = new SendResultsUseCase(outbound, ris, silentLogger, { destinations: { default: RIS }, maxAttempts: 3, retryDelayMs: 1000, maxRetryDelayMs: 1500, ackTimeoutMs: 500 });
    return { outbound, ris, queue, send, woken: () => woken };
  };
  beforeEach(() => (clock = new Date('2026-11-22T10:02:00Z')));

  it('queues the order status of a stable study with an order, once per event, and nothing for one without an order or a RIS', async () => {
    const { outbound, queue, woken } = setUp([]);
    const message = stable(true);
    expect(await queue.handle(message)).toBe('queued');
    expect(await queue.handle(message)).toBe('duplicate');
    expect(await queue.handle(stable(false))).toBe('skipped');
    expect(await queue.handle(stable(true, 'other'))).toBe('skipped');
    expect(woken()).toBe(1);
    const [queued] = await outbound.claimDue(now(), 10, 1000);
    const parsed = parseMessage(queued?.payload as Buffer);
    if (!parsed.ok) throw new Error('unparseable');
    const [msh, pid, orc, obr] = parsed.message.segments;
    expect([msh?.value(4), msh?.value(9, 1), msh?.value(9, 2), msh?.value(10)]).toEqual(['RADIOLOGY', 'ORM', 'O01', queued?.controlId]);
    expect([pid?.value(3, 1), pid?.value(3, 4), pid?.value(5, 1)]).toEqual(['PAT-1', 'HOSP', 'Everyman']);
    expect([orc?.value(1), orc?.value(2), orc?.value(5)]).toEqual(['SC', 'PLC-1', 'CM']);
    expect([obr?.value(18), obr?.value(20), obr?.value(24)]).toEqual(['ACC-1', 'SPS-1', 'CT']);
  });

  it('delivers on AA, and retries a refused connection or an unreadable answer with a doubling delay', async () => {
    const { outbound, ris, queue, send } = setUp(['refuse', 'garbage', 'AA']);
    await queue.handle(stable(true));
    expect(await send.execute(now)).toBe(1);
    expect((await outbound.list('default'))[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'connect ECONNREFUSED 127.0.0.1:2576' });
    clock = new Date(clock.getTime() + 999);
    expect(await send.execute(now)).toBe(0);
    clock = new Date(clock.getTime() + 1);
    expect(await send.execute(now)).toBe(1);
    expect((await outbound.list('default'))[0]).toMatchObject({ status: 'pending', attempts: 2, lastError: 'the answer is not an acknowledgement (no MSA segment)' });
    // The second delay is twice the first, capped at 1.5 s.
    clock = new Date(clock.getTime() + 1499);
    expect(await send.execute(now)).toBe(0);
    clock = new Date(clock.getTime() + 1);
    expect(await send.execute(now)).toBe(1);
    expect((await outbound.list('default'))[0]).toMatchObject({ status: 'sent', attempts: 3, acknowledgement: 'AA' });
    // The same message each time: the RIS can tell a resend by its control ID.
    expect(new Set(ris.received.map((b) => b.toString('latin1'))).size).toBe(1);
  });

  it('dead-letters a message the RIS refuses at once, and one that failed every attempt', async () => {
    const refused = setUp(['AR']);
    await refused.queue.handle(stable(true));
    await refused.send.execute(now);
    expect((await refused.outbound.list('default'))[0]).toMatchObject({ status: 'failed', attempts: 1, acknowledgement: 'AR', lastError: 'AR: no such order' });

    const unreachable = setUp(['refuse', 'refuse', 'refuse', 'AA']);
    await unreachable.queue.handle(stable(true));
    for (let i = 0; i < 3; i++) {
      await unreachable.send.execute(now);
      clock = new Date(clock.getTime() + 10_000);
    }
    expect((await unreachable.outbound.list('default'))[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'connect ECONNREFUSED 127.0.0.1:2576 (attempt 3 of 3)' });
    expect(await unreachable.send.execute(now)).toBe(0);
    expect(unreachable.ris.received).toHaveLength(3);
  });
});
