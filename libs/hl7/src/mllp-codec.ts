// HL7 MLLP (Minimal Lower Layer Protocol) Release 2, block format: <SB> message <EB><CR>.
const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;
const CARRIAGE_RETURN = 0x0d;
// What is kept of an oversized message: enough for its MSH segment, so that it can still be answered.
const OVERSIZED_HEAD_BYTES = 16 * 1024;

/** What the decoder found in the bytes of a connection, in order. */
export type MllpEvent =
  /** A whole message, without its framing. */
  | { readonly type: 'message'; readonly payload: Buffer }
  /** Bytes between frames, which MLLP does not allow; they are dropped. */
  | { readonly type: 'outside-frame'; readonly bytes: number }
  /** A frame larger than the maximum: its first bytes, and its full size. */
  | { readonly type: 'oversized'; readonly head: Buffer; readonly size: number }
  /** A frame that ended before its end block: a new start block came, or the connection closed. */
  | { readonly type: 'truncated'; readonly size: number; readonly cause: 'start-block' | 'end-of-stream' };

/** The MLLP frame of a message. */
export function encodeMllpFrame(payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(START_BLOCK), payload, Buffer.of(END_BLOCK, CARRIAGE_RETURN)]);
}

/**
 * Cuts the byte stream of an MLLP connection into messages, whatever the TCP chunks: a frame may
 * arrive in many chunks and one chunk may hold many frames. A frame holds at most `maxMessageBytes`;
 * a larger one is dropped as it arrives, keeping only its head. A frame ends only at <EB><CR>.
 */
export class MllpDecoder {
  private state: 'between' | 'frame' | 'oversized' = 'between';
  private parts: Buffer[] = [];
  private size = 0;
  // An end block was the last byte of the previous chunk; the frame ends if a CR comes first.
  private endBlockPending = false;
  private outside = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Whether a frame has begun and not ended. */
  get inFrame(): boolean {
    return this.state !== 'between';
  }

  /** Takes the next chunk and returns what it completed. */
  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'between') {
        const start = chunk.indexOf(START_BLOCK, i);
        this.outside += (start < 0 ? chunk.length : start) - i;
        if (start < 0) break;
        this.flushOutside(events);
        this.state = 'frame';
        i = start + 1;
        continue;
      }
      if (this.endBlockPending) {
        this.endBlockPending = false;
        if (chunk[i] === CARRIAGE_RETURN) {
          this.finish(events);
          i += 1;
          continue;
        }
        this.append(Buffer.of(END_BLOCK));
      }
      const end = this.nextEnd(chunk, i);
      const stop = end < 0 ? chunk.length : end;
      const restart = chunk.indexOf(START_BLOCK, i);
      if (restart >= 0 && restart < stop) {
        // A new start block before this frame's end: the sender gave up on the frame and began anew.
        this.append(chunk.subarray(i, restart));
        events.push({ type: 'truncated', size: this.size, cause: 'start-block' });
        this.reset();
        this.state = 'frame';
        i = restart + 1;
        continue;
      }
      if (end < 0) {
        if (chunk[chunk.length - 1] === END_BLOCK) {
          this.append(chunk.subarray(i, chunk.length - 1));
          this.endBlockPending = true;
        } else {
          this.append(chunk.subarray(i));
        }
        break;
      }
      this.append(chunk.subarray(i, end));
      this.finish(events);
      i = end + 2;
    }
    this.flushOutside(events);
    return events;
  }

  /** The connection ended: what was left unfinished. */
  end(): MllpEvent[] {
    const events: MllpEvent[] = [];
    this.flushOutside(events);
    if (this.state !== 'between') {
      events.push({ type: 'truncated', size: this.size + (this.endBlockPending ? 1 : 0), cause: 'end-of-stream' });
      this.reset();
    }
    return events;
  }

  private nextEnd(chunk: Buffer, from: number): number {
    let at = chunk.indexOf(END_BLOCK, from);
    while (at >= 0 && at + 1 < chunk.length && chunk[at + 1] !== CARRIAGE_RETURN) at = chunk.indexOf(END_BLOCK, at + 1);
    return at >= 0 && at + 1 < chunk.length ? at : -1;
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.size += bytes.length;
    if (this.state === 'frame' && this.size > this.maxMessageBytes) {
      // Keep only the head; the rest of the frame is counted, not held.
      const held = Buffer.concat([...this.parts, bytes]);
      this.parts = [held.subarray(0, Math.min(OVERSIZED_HEAD_BYTES, this.maxMessageBytes))];
      this.state = 'oversized';
      return;
    }
    if (this.state === 'frame') this.parts.push(bytes);
  }

  private finish(events: MllpEvent[]): void {
    if (this.state === 'oversized') events.push({ type: 'oversized', head: this.parts[0] ?? Buffer.alloc(0), size: this.size });
    else events.push({ type: 'message', payload: Buffer.concat(this.parts) });
    this.reset();
  }

  private reset(): void {
    this.state = 'between';
    this.parts = [];
    this.size = 0;
    this.endBlockPending = false;
  }

  private flushOutside(events: MllpEvent[]): void {
    if (this.outside === 0) return;
    events.push({ type: 'outside-frame', bytes: this.outside });
    this.outside = 0;
  }
}
