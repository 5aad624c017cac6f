import { acknowledgementMode, acknowledgementWanted, buildAcknowledgement, ErrorCondition, type AcknowledgementInput } from './acknowledgement';
import type { ReceivedHeader } from './hl7-message';
import { parseMessage } from './parse-message';

const NOW = new Date('2026-11-22T09:46:50.123Z');

function received(msh: string, body = '\rPID|1'): ReceivedHeader {
  const result = parseMessage(Buffer.from(`${msh}${body}`, msh.includes('8859/1') ? 'latin1' : 'utf8'));
  if (!result.ok) throw new Error(result.error.message);
  return result.message;
}

function ack(input: Partial<AcknowledgementInput> & Pick<AcknowledgementInput, 'received'>): { code: string; segments: string[]; bytes: Buffer } {
  const { code, bytes } = buildAcknowledgement({ outcome: 'reject', controlId: 'ACK0001', now: NOW, ...input });
  const text = bytes.toString(input.received.characterSet.encoding === 'latin1' ? 'latin1' : 'utf8');
  expect(text.endsWith('\r')).toBe(true);
  return { code, segments: text.slice(0, -1).split('\r'), bytes };
}

const unsupported = (type: string) => ({
  condition: ErrorCondition.UnsupportedMessageType,
  severity: 'E' as const,
  location: { segment: 'MSH', sequence: 1, field: 9 },
  userMessage: `Message type ${type} is not supported`,
});

describe('buildAcknowledgement (HL7 v2.5.1 2.9, 2.14.1)', () => {
  it('answers a 2.5.1 message in original mode: swapped MSH-3..6, MSA-2 = MSH-10, ERR-2/3/4/8', () => {
    const message = received('MSH|^~\\&|RIS^1.2.9^ISO|HOSP A|TESSERA|RAD^1.2.3^ISO|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1');
    const { code, segments } = ack({ received: message, error: unsupported('ADT^A01') });
    expect(code).toBe('AR');
    expect(segments).toEqual([
      'MSH|^~\\&|TESSERA|RAD^1.2.3^ISO|RIS^1.2.9^ISO|HOSP A|20261122094650.123+0000||ACK^A01^ACK|ACK0001|P|2.5.1',
      'MSA|AR|MSG00001',
      'ERR||MSH^1^9|200^Unsupported message type^HL70357|E||||Message type ADT\\S\\A01 is not supported',
    ]);
    // What it says reads back the same through a parser.
    const parsed = parseMessage(buildAcknowledgement({ received: message, outcome: 'reject', error: unsupported('ADT^A01'), controlId: 'ACK0001', now: NOW }).bytes);
    expect(parsed.ok && parsed.message.segments[2]!.value(8)).toBe('Message type ADT^A01 is not supported');
  });

  it('answers in enhanced mode with CA/CE/CR when MSH-15 or MSH-16 is valued, and leaves the ACK itself unacknowledged', () => {
    const enhanced = received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ORM^O01^ORM_O01|42|P|2.5|||AL|NE');
    expect(acknowledgementMode(enhanced.header)).toBe('enhanced');
    expect(ack({ received: enhanced, outcome: 'reject', error: unsupported('ORM^O01') }).code).toBe('CR');
    expect(ack({ received: enhanced, outcome: 'error' }).code).toBe('CE');
    const { code, segments } = ack({ received: enhanced, outcome: 'accept' });
    expect(code).toBe('CA');
    expect(segments[0]).toBe('MSH|^~\\&|TESSERA|RAD|RIS|HOSP|20261122094650.123+0000||ACK^O01^ACK|ACK0001|P|2.5');
    expect(segments.slice(1)).toEqual(['MSA|CA|42']);
    expect(acknowledgementMode(received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ORM^O01|42|P|2.5||||AL').header)).toBe('enhanced');
    expect(acknowledgementMode(received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ORM^O01|42|P|2.5').header)).toBe('original');
  });

  it('sends an accept acknowledgement only when MSH-15 asks for it (HL7 Table 0155)', () => {
    const wanted = (msh15: string, msh16 = '') => {
      const header = received(`MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ORM^O01|42|P|2.5|||${msh15}|${msh16}`);
      return [acknowledgementWanted(header, 'accept'), acknowledgementWanted(header, 'error'), acknowledgementWanted(header, 'reject')];
    };
    expect(wanted('')).toEqual([true, true, true]);
    expect(wanted('AL')).toEqual([true, true, true]);
    expect(wanted('NE', 'AL')).toEqual([false, false, false]);
    expect(wanted('ER')).toEqual([false, true, true]);
    expect(wanted('SU')).toEqual([true, false, false]);
    expect(wanted('', 'AL')).toEqual([true, true, true]);
  });

  it('gives a 2.3 message an MSH-9 without structure, ERR-1 and MSA-3, and a 2.4 message ERR-1 and MSA-3', () => {
    const v23 = ack({ received: received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A04|X1|P|2.3'), error: unsupported('ADT^A04') });
    expect(v23.segments).toEqual([
      'MSH|^~\\&|TESSERA|RAD|RIS|HOSP|20261122094650.123+0000||ACK^A04|ACK0001|P|2.3',
      'MSA|AR|X1|Message type ADT\\S\\A04 is not supported',
      'ERR|MSH^1^9^200&Unsupported message type&HL70357|MSH^1^9|200^Unsupported message type^HL70357|E||||Message type ADT\\S\\A04 is not supported',
    ]);
    const v24 = ack({ received: received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A04^ADT_A01|X1|P|2.4'), error: unsupported('ADT^A04') });
    expect(v24.segments[0]).toContain('|ACK^A04^ACK|');
    expect(v24.segments[2]!.startsWith('ERR|MSH^1^9^200&Unsupported message type&HL70357|')).toBe(true);
  });

  it('names a component in ERR-2, with the repetition', () => {
    const { segments } = ack({
      received: received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A01|9|P|2.5.1'),
      outcome: 'error',
      error: { condition: ErrorCondition.DataTypeError, severity: 'E', location: { segment: 'PID', sequence: 2, field: 5, component: 2 }, userMessage: 'bad' },
    });
    expect(segments[2]).toBe('ERR||PID^2^5^1^2|102^Data type error^HL70357|E||||bad');
  });

  it("writes the ACK in the message's delimiters and character set, and repeats MSH-18", () => {
    const custom = received('MSH#$*!@#RIS#HOSP$X#TESSERA#RAD#20260101##ADT$A08#77#P#2.5.1######UNICODE UTF-8', '\rPID#1##Ström');
    const utf8 = ack({ received: custom, error: { ...unsupported('ADT^A08'), userMessage: 'Ström: a#b$c|d^e' } });
    expect(utf8.segments[0]).toBe('MSH#$*!@#TESSERA#RAD#RIS#HOSP$X#20261122094650.123+0000##ACK$A08$ACK#ACK0001#P#2.5.1######UNICODE UTF-8');
    expect(utf8.segments[2]).toBe('ERR##MSH$1$9#200$Unsupported message type$HL70357#E####Ström: a!F!b!S!c|d^e');
    expect(utf8.bytes.includes(Buffer.from('Ström', 'utf8'))).toBe(true);
    const latin = ack({ received: received('MSH|^~\\&|RIS|HOSP|TESSERA|RAD|20260101||ADT^A08|77|P|2.5.1||||||8859/1'), error: { ...unsupported('ADT^A08'), userMessage: 'Ström' } });
    expect(latin.segments[0]!.endsWith('|8859/1')).toBe(true);
    expect(latin.bytes.includes(Buffer.from([0x53, 0x74, 0x72, 0xf6, 0x6d]))).toBe(true);
  });

  it('answers what has no readable MSH with the default delimiters, version 2.5.1, ASCII and an empty MSA-2', () => {
    const missing = parseMessage(Buffer.from('PID|1'));
    if (missing.ok) throw new Error('expected an error');
    const { segments } = ack({
      received: missing.received,
      outcome: 'error',
      error: { condition: ErrorCondition.SegmentSequenceError, severity: 'E', location: { segment: 'PID', sequence: 1 }, userMessage: 'no MSH' },
    });
    expect(segments).toEqual(['MSH|^~\\&|||||20261122094650.123+0000||ACK^^ACK|ACK0001|P|2.5.1', 'MSA|AE', 'ERR||PID^1|100^Segment sequence error^HL70357|E||||no MSH']);
  });

  it('replaces characters an ASCII reply cannot carry', () => {
    const unknown = parseMessage(Buffer.from('MSH|^~\\&|RIS|HÖSP|TESSERA|RAD|20260101||ADT^A01|5|P|2.5.1||||||ISO IR87', 'latin1'));
    if (unknown.ok) throw new Error('expected an error');
    const { segments } = ack({ received: unknown.received, error: { condition: ErrorCondition.TableValueNotFound, severity: 'E', location: { segment: 'MSH', sequence: 1, field: 18 }, userMessage: 'unknown' } });
    expect(segments[0]).toBe('MSH|^~\\&|TESSERA|RAD|RIS|H?SP|20261122094650.123+0000||ACK^A01^ACK|ACK0001|P|2.5.1');
    expect(segments[1]).toBe('MSA|AR|5');
  });
});
