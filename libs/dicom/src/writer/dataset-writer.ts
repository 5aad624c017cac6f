import { implicitVR } from '../dictionary/dictionary';
import { uidValue, textValue } from '../parser/part10';
import type { Tag } from '../tag';
import type { TransferSyntax } from '../transfer-syntax';
import { hasLongLength, isStringVR, numberSize, type VR } from '../vr';

/** An element to encode: a string (backslash-separated for several values), numbers, bytes, or items. */
export interface ElementSpec {
  readonly tag: Tag;
  /** Defaults to the dictionary's VR. */
  readonly vr?: VR;
  readonly value: string | readonly number[] | Buffer | readonly (readonly ElementSpec[])[];
}

/**
 * Encodes elements as a data set in a native transfer syntax (PS3.5 7), sorted by tag, sequences with
 * defined lengths. For building test objects and benchmark corpora, not for re-encoding received ones.
 */
export function encodeDataset(elements: readonly ElementSpec[], ts: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>): Buffer {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return Buffer.concat(sorted.map((e) => encodeElement(e, ts)));
}

function encodeElement(spec: ElementSpec, ts: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>): Buffer {
  const vr = spec.vr ?? implicitVR(spec.tag);
  const value = encodeValue(vr, spec.value, ts);
  const le = ts.littleEndian;
  let header: Buffer;
  if (!ts.explicitVR) {
    header = Buffer.alloc(8);
    writeTag(header, spec.tag, le);
    if (le) header.writeUInt32LE(value.length, 4);
    else header.writeUInt32BE(value.length, 4);
  } else if (hasLongLength(vr)) {
    header = Buffer.alloc(12);
    writeTag(header, spec.tag, le);
    header.write(vr, 4, 'latin1');
    if (le) header.writeUInt32LE(value.length, 8);
    else header.writeUInt32BE(value.length, 8);
  } else {
    header = Buffer.alloc(8);
    writeTag(header, spec.tag, le);
    header.write(vr, 4, 'latin1');
    if (le) header.writeUInt16LE(value.length, 6);
    else header.writeUInt16BE(value.length, 6);
  }
  return Buffer.concat([header, value]);
}

function encodeValue(vr: VR, value: ElementSpec['value'], ts: Pick<TransferSyntax, 'explicitVR' | 'littleEndian'>): Buffer {
  if (Buffer.isBuffer(value)) return value.length % 2 === 1 ? Buffer.concat([value, Buffer.alloc(1)]) : value;
  if (typeof value === 'string') {
    if (vr === 'UI') return uidValue(value);
    if (isStringVR(vr)) return Buffer.from(textValue(Buffer.from(value, 'utf8').toString('latin1')));
    throw new TypeError(`A string value for VR ${vr}`);
  }
  if (vr === 'SQ') {
    const items = value as readonly (readonly ElementSpec[])[];
    return Buffer.concat(
      items.map((item) => {
        const body = encodeDataset(item, ts);
        const header = Buffer.alloc(8);
        writeTag(header, 0xfffee000, ts.littleEndian);
        if (ts.littleEndian) header.writeUInt32LE(body.length, 4);
        else header.writeUInt32BE(body.length, 4);
        return Buffer.concat([header, body]);
      }),
    );
  }
  const numbers = value as readonly number[];
  const size = numberSize(vr);
  if (size === 0) throw new TypeError(`Numbers for VR ${vr}`);
  const out = Buffer.alloc(numbers.length * size);
  numbers.forEach((n, i) => {
    const o = i * size;
    const le = ts.littleEndian;
    switch (vr) {
      case 'US':
        if (le) out.writeUInt16LE(n, o);
        else out.writeUInt16BE(n, o);
        break;
      case 'SS':
        if (le) out.writeInt16LE(n, o);
        else out.writeInt16BE(n, o);
        break;
      case 'UL':
        if (le) out.writeUInt32LE(n, o);
        else out.writeUInt32BE(n, o);
        break;
      case 'SL':
        if (le) out.writeInt32LE(n, o);
        else out.writeInt32BE(n, o);
        break;
      case 'FL':
        if (le) out.writeFloatLE(n, o);
        else out.writeFloatBE(n, o);
        break;
      case 'FD':
        if (le) out.writeDoubleLE(n, o);
        else out.writeDoubleBE(n, o);
        break;
      default:
        throw new TypeError(`Numbers for VR ${vr}`);
    }
  });
  return out;
}

function writeTag(buf: Buffer, tag: Tag, le: boolean): void {
  if (le) {
    buf.writeUInt16LE(tag >>> 16, 0);
    buf.writeUInt16LE(tag & 0xffff, 2);
  } else {
    buf.writeUInt16BE(tag >>> 16, 0);
    buf.writeUInt16BE(tag & 0xffff, 2);
  }
}
