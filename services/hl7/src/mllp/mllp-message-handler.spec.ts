import { parseMessage } from '@tessera/hl7';
import { createLogger } from '@tessera/telemetry';
import { MemoryHl7Store } from '@tessera/hl7-store';
import { NEW_WORKLIST_IDS } from '@tessera/worklist';
import { ReceiveMessageUseCase } from '../receive-message.use-case';
import { MllpMessageHandler } from './mllp-message-handler';

const PEER = { connection: 'c1', remoteAddress: '127.0.0.1:40000' };
const ADT = 'MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A01^ADT_A01|MSG1|P|2.5.1\rPID|1||P1||EVERYMAN^ADAM';
// A type Tessera does not process.
const ORU = ADT.replace('ADT^A01^ADT_A01', 'ORU^R01^ORU_R01');

function receiver(store = new MemoryHl7Store()): ReceiveMessageUseCase {
  return new ReceiveMessageUseCase(store, () => undefined, { defaultTenant: 'default', receivingFacilities: {}, source: 'test', now: () => new Date('2026-11-22T10:00:00Z'), ids: NEW_WORKLIST_IDS });
}

function setup(receive = receiver()) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const handler = new MllpMessageHandler(receive, logger, { now: () => new Date('2026-11-22T10:00:00Z'), nextControlId: () => 'ACK1', maxMessageBytes: 1000 });
  return { handler, lines };
}

/** The acknowledgement's MSA-1, MSA-2 and ERR-3.1, ERR-2 and ERR-8, read back with the parser. */
function read(bytes: Buffer | undefined): { msa: string[]; code: string; at: string; text: string } {
  if (!bytes) throw new Error('no acknowledgement');
  const parsed = parseMessage(bytes);
  if (!parsed.ok) throw new Error(parsed.error.message);
  const [, msa, err] = parsed.message.segments;
  return { msa: [msa!.value(1), msa!.value(2)], code: err!.value(3), at: [1, 2, 3].map((c) => err!.value(2, c)).join('-'), text: err!.value(8) };
}

describe('MllpMessageHandler: every message answered as HL7 v2.5.1 2.9 says', () => {
  it('rejects a well-formed message of an unsupported type, AR in original mode and CR in enhanced mode', async () => {
    const { handler, lines } = setup();
    expect(read((await handler.message(Buffer.from(ORU), PEER)).acknowledgement)).toEqual({
      msa: ['AR', 'MSG1'],
      code: '200',
      at: 'MSH-1-9',
      text: 'message type ORU^R01 is not supported; this receiver processes ADT^A01, ADT^A04, ADT^A08, ADT^A31, ADT^A40, ADT^A47, ORM^O01, OMI^O23',
    });
    const enhanced = ORU.replace('|P|2.5.1', '|P|2.5.1|||AL|AL');
    expect(read((await handler.message(Buffer.from(enhanced), PEER)).acknowledgement).msa).toEqual(['CR', 'MSG1']);
    // One line per message, without its content.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ msg: 'HL7 message', connection: 'c1', remote: '127.0.0.1:40000', controlId: 'MSG1', type: 'ORU^R01', version: '2.5.1', tenant: 'default', acknowledgement: 'AR', condition: '200' });
    expect(JSON.stringify(lines)).not.toContain('EVERYMAN');
  });

  it('answers malformed messages AE with the table 0357 code and where the fault is', async () => {
    const { handler } = setup();
    const cases: [string, string, string, string][] = [
      ['PID|1||P1', 'AE', '100', 'PID-1-'],
      [`${ADT}\rpid|2`, 'AE', '100', 'pid-3-'],
      [`${ADT}\r${ADT}`, 'AE', '100', 'MSH-3-'],
      ['MSH|^~|RIS|HOSP|TESSERA|RAD|20260101||ADT^A01|MSG1|P|2.5.1', 'AE', '102', 'MSH-1-2'],
      [`${ADT}Ö`, 'AE', '102', 'PID-2-5'],
      [ADT.replace('|2.5.1', '|2.5.1||||||ISO IR87'), 'AR', '103', 'MSH-1-18'],
      [ADT.replace('|MSG1|', '||'), 'AE', '101', 'MSH-1-10'],
      [ADT.replace('|2.5.1', '|2.6'), 'AR', '203', 'MSH-1-12'],
      [ADT.replace('|P|', '|T|'), 'AR', '202', 'MSH-1-11'],
      ['', 'AE', '100', '--'],
    ];
    for (const [text, code, condition, at] of cases) {
      const ack = read((await handler.message(Buffer.from(text, 'latin1'), PEER)).acknowledgement);
      expect([text, ack.msa[0], ack.code, ack.at]).toEqual([text, code, condition, at]);
    }
  });

  it('echoes MSA-2 where the control ID can be read at all', async () => {
    const { handler } = setup();
    expect(read((await handler.message(Buffer.from('MSH|^~|RIS|HOSP|TESSERA|RAD|20260101||ADT^A01|CTL7|P|2.5.1'), PEER)).acknowledgement).msa).toEqual(['AE', 'CTL7']);
    expect(read((await handler.message(Buffer.from('PID|1'), PEER)).acknowledgement).msa).toEqual(['AE', '']);
  });

  it('sends nothing when enhanced mode asks for no accept acknowledgement on errors (MSH-15 NE or SU), and logs that', async () => {
    const { handler, lines } = setup();
    expect(await handler.message(Buffer.from(ORU.replace('|P|2.5.1', '|P|2.5.1|||NE|AL')), PEER)).toEqual({});
    expect(await handler.message(Buffer.from(ORU.replace('|P|2.5.1', '|P|2.5.1|||SU|AL')), PEER)).toEqual({});
    expect(read((await handler.message(Buffer.from(ORU.replace('|P|2.5.1', '|P|2.5.1|||ER|AL')), PEER)).acknowledgement).msa[0]).toBe('CR');
    expect(lines.map((l) => l.acknowledgement)).toEqual(['none (MSH-15 NE)', 'none (MSH-15 SU)', 'CR']);
  });

  it('rejects an oversized message whose MSH it can read, and closes on one it cannot', () => {
    const { handler } = setup();
    const answered = handler.oversized(Buffer.from(ADT), 5_000_000, PEER);
    expect(answered.close).toBeUndefined();
    expect(read(answered.acknowledgement)).toEqual({ msa: ['AR', 'MSG1'], code: '207', at: '--', text: 'the message has 5000000 bytes, more than the 1000 this receiver takes; it was not read' });
    expect(handler.oversized(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'), 5_000_000, PEER)).toEqual({ close: true });
  });

  it('answers AE (CE in enhanced mode) with code 207 when processing fails before its commit', async () => {
    const failing = { execute: () => Promise.reject(new Error('database down')) } as unknown as ReceiveMessageUseCase;
    const { handler, lines } = setup(failing);
    expect(read((await handler.message(Buffer.from(ADT), PEER)).acknowledgement)).toMatchObject({ msa: ['AE', 'MSG1'], code: '207' });
    expect(read((await handler.message(Buffer.from(ADT.replace('|P|2.5.1', '|P|2.5.1|||AL|NE')), PEER)).acknowledgement)).toMatchObject({ msa: ['CE', 'MSG1'], code: '207' });
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'HL7 message processing failed', error: 'database down' });
  });

  it('accepts a message it applied (AA, CA in enhanced mode) and a resent one again, logging it as a duplicate', async () => {
    const store = new MemoryHl7Store();
    const { handler, lines } = setup(receiver(store));
    const ack = (await handler.message(Buffer.from(ADT), PEER)).acknowledgement;
    expect(ack?.toString('latin1').split('\r').slice(1, -1)).toEqual(['MSA|AA|MSG1']);
    const again = (await handler.message(Buffer.from(ADT), PEER)).acknowledgement;
    expect(again?.toString('latin1').split('\r').slice(1, -1)).toEqual(['MSA|AA|MSG1']);
    expect(lines.map((l) => [l.acknowledgement, l.duplicate])).toEqual([['AA', undefined], ['AA', true]]);
    expect(store.state.messages.size).toBe(1);
    const enhanced = ADT.replace('|MSG1|P|2.5.1', '|MSG2|P|2.5.1|||AL|NE');
    expect((await handler.message(Buffer.from(enhanced), PEER)).acknowledgement?.toString('latin1')).toContain('\rMSA|CA|MSG2\r');
  });

  it('answers content it cannot apply AE with the field at fault and why', async () => {
    const { handler } = setup();
    const ack = read((await handler.message(Buffer.from(`${ADT.replace('PID|1||P1||EVERYMAN^ADAM', 'PID|1||P1||EVERYMAN^ADAM||19611315')}`), PEER)).acknowledgement);
    expect(ack).toEqual({ msa: ['AE', 'MSG1'], code: '102', at: 'PID-2-7', text: 'PID-7 "19611315" is not a date of birth YYYYMMDD[HHMM[SS]]' });
    const merge = read((await handler.message(Buffer.from(ADT.replace('ADT^A01^ADT_A01', 'ADT^A40^ADT_A39').concat('\rMRG|NOBODY^^^HOSP')), PEER)).acknowledgement);
    expect(merge).toEqual({ msa: ['AE', 'MSG1'], code: '204', at: 'MRG-3-1', text: 'MRG-1 names patient NOBODY (HOSP), whom this archive does not know' });
  });
});
