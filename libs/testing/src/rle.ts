import { encodeDataset, EXPLICIT_VR_LITTLE_ENDIAN, Tags, type ElementSpec } from '@tessera/dicom';

/** An RLE Lossless frame (PS3.5 G.3) with each segment as literal runs. */
export function rleFrame(segments: readonly Buffer[]): Buffer {
  const packed = segments.map((s) => {
    const runs: Buffer[] = [];
    for (let i = 0; i < s.length; i += 128) runs.push(Buffer.from([Math.min(128, s.length - i) - 1]), s.subarray(i, i + 128));
    const out = Buffer.concat(runs);
    return out.length % 2 ? Buffer.concat([out, Buffer.from([0x80])]) : out;
  });
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segments.length, 0);
  let offset = 64;
  packed.forEach((p, i) => {
    header.writeUInt32LE(offset, 4 + i * 4);
    offset += p.length;
  });
  return Buffer.concat([header, ...packed]);
}

function item(tag: number, bytes: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(tag >>> 16, 0);
  h.writeUInt16LE(tag & 0xffff, 2);
  h.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([h, bytes]);
}

/** A data set in RLE Lossless: the given attributes, encapsulated Pixel Data of these frames, then trailing padding. */
export function rleDataSet(attributes: readonly ElementSpec[], frames: readonly Buffer[]): Buffer {
  const pixelHeader = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]);
  const fragments = [item(Tags.Item, Buffer.alloc(0)), ...frames.map((f) => item(Tags.Item, f)), item(Tags.SequenceDelimitationItem, Buffer.alloc(0))];
  const trailing = encodeDataset([{ tag: 0xfffcfffc, vr: 'OB', value: Buffer.alloc(4) }], EXPLICIT_VR_LITTLE_ENDIAN);
  return Buffer.concat([encodeDataset(attributes, EXPLICIT_VR_LITTLE_ENDIAN), pixelHeader, ...fragments, trailing]);
}
