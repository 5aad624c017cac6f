import { encodeMllpFrame, MllpDecoder, type MllpEvent } from './mllp-codec';

const A = Buffer.from('MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||P1');
const B = Buffer.from('MSH|^~\\&|A|B|C|D|20260101||ORM^O01|2|P|2.3\rORC|NW');
const frame = (payload: Buffer): Buffer => encodeMllpFrame(payload);

/** Feeds the chunks, then ends the stream, and returns every event in order. */
function decode(chunks: readonly Buffer[], max = 1024 * 1024): MllpEvent[] {
  const decoder = new MllpDecoder(max);
  return [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()];
}

describe('MLLP framing (HL7 MLLP Release 2: <SB> message <EB><CR>)', () => {
  it('frames a message between 0x0B and 0x1C 0x0D', () => {
    expect([...frame(Buffer.from('MSH'))]).toEqual([0x0b, 0x4d, 0x53, 0x48, 0x1c, 0x0d]);
  });

  it('decodes a frame however TCP cuts it, down to one byte a chunk', () => {
    const bytes = frame(A);
    for (const size of [1, 2, 3, 7, bytes.length - 1, bytes.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      expect(decode(chunks)).toEqual([{ type: 'message', payload: A }]);
    }
  });

  it('decodes several messages from one chunk, in order, and one split between end block and CR', () => {
    const all = Buffer.concat([frame(A), frame(B), frame(A)]);
    expect(decode([all])).toEqual([
      { type: 'message', payload: A },
      { type: 'message', payload: B },
      { type: 'message', payload: A },
    ]);
    const cut = frame(A).length - 1;
    expect(decode([all.subarray(0, cut), all.subarray(cut)]).map((e) => e.type)).toEqual(['message', 'message', 'message']);
  });

  it('ends a frame only at <EB><CR>: an end block followed by anything else is content', () => {
    const payload = Buffer.concat([A, Buffer.of(0x1c, 0x41)]);
    expect(decode([frame(payload)])).toEqual([{ type: 'message', payload }]);
    expect(decode([Buffer.concat([Buffer.of(0x0b), A, Buffer.of(0x1c)]), Buffer.of(0x41, 0x1c, 0x0d)])).toEqual([{ type: 'message', payload }]);
  });

  it('reports bytes outside a frame apart from the messages around them', () => {
    expect(decode([Buffer.from('GET / HTTP/1.1\r\n'), frame(A), Buffer.from('\n'), frame(B)])).toEqual([
      { type: 'outside-frame', bytes: 16 },
      { type: 'message', payload: A },
      { type: 'outside-frame', bytes: 1 },
      { type: 'message', payload: B },
    ]);
    expect(decode([Buffer.from('garbage')])).toEqual([{ type: 'outside-frame', bytes: 7 }]);
  });

  it('drops a frame above the maximum, keeping its head and counting its size, and goes on with the next', () => {
    const big = Buffer.concat([A, Buffer.alloc(100_000, 0x58)]);
    const bytes = Buffer.concat([frame(big), frame(B)]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
    const events = decode(chunks, 1000);
    expect(events.map((e) => e.type)).toEqual(['oversized', 'message']);
    const oversized = events[0] as Extract<MllpEvent, { type: 'oversized' }>;
    expect(oversized.size).toBe(big.length);
    expect(oversized.head).toEqual(big.subarray(0, 1000));
    expect(events[1]).toEqual({ type: 'message', payload: B });
    // Exactly the maximum is still a message.
    expect(decode([frame(A)], A.length)).toEqual([{ type: 'message', payload: A }]);
  });

  it('reports a frame cut short by the end of the stream, and yields no message of it', () => {
    const bytes = frame(A);
    expect(decode([bytes.subarray(0, 20)])).toEqual([{ type: 'truncated', size: 19, cause: 'end-of-stream' }]);
    expect(decode([frame(B), bytes.subarray(0, bytes.length - 1)])).toEqual([
      { type: 'message', payload: B },
      { type: 'truncated', size: A.length + 1, cause: 'end-of-stream' },
    ]);
  });

  it('reports a frame cut short by a new start block, then decodes the new frame', () => {
    const events = decode([Buffer.concat([Buffer.of(0x0b), A.subarray(0, 10)]), frame(B)]);
    expect(events).toEqual([
      { type: 'truncated', size: 10, cause: 'start-block' },
      { type: 'message', payload: B },
    ]);
  });

  it('tells whether a frame is open', () => {
    const decoder = new MllpDecoder(100);
    decoder.push(Buffer.of(0x0b, 0x41));
    expect(decoder.inFrame).toBe(true);
    decoder.push(Buffer.of(0x1c, 0x0d));
    expect(decoder.inFrame).toBe(false);
  });
});
