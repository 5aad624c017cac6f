import { AbortReason, PduError, PduType, decodePdu, type Pdu } from './pdu';

// Non-P-DATA PDUs (association negotiation) are small; this bounds what a peer can make us buffer.
const MAX_CONTROL_PDU = 1024 * 1024;

/**
 * Cuts a byte stream into PDUs (PS3.8 9.3). It buffers at most one PDU, whose length is checked against
 * the Maximum Length Received that this side announced before any of its body is held.
 */
export class PduReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** @param maxPDataLength the largest P-DATA-TF variable field accepted (0 = unlimited). */
  constructor(private maxPDataLength: number) {}

  /** Changes the limit, e.g. once an association has been negotiated. */
  setMaxPDataLength(length: number): void {
    this.maxPDataLength = length;
  }

  /** Feeds bytes and returns every PDU they complete. */
  feed(chunk: Buffer): Pdu[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Pdu[] = [];
    while (this.buffered >= 6) {
      const header = this.peek(6);
      const type = header[0] as number;
      const length = header.readUInt32BE(2);
      const limit = type === PduType.PData ? this.maxPDataLength : MAX_CONTROL_PDU;
      // The P-DATA-TF PDU's variable field may exceed the announced maximum by nothing (PS3.8 D.1).
      if (limit !== 0 && length > limit) {
        throw new PduError(`A PDU of ${length} bytes exceeds the maximum of ${limit} bytes`, AbortReason.InvalidPduParameterValue);
      }
      if (this.buffered < 6 + length) break;
      this.take(6);
      out.push(decodePdu(type, this.take(length)));
    }
    return out;
  }

  /** Takes the bytes received beyond the last whole PDU (handed on when a connection changes hands). */
  drain(): Buffer {
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    return first.length >= n ? first : Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0] as Buffer;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
