import { CodecError, CodecErrorCode } from './codec-error';
import { nativeFrameLength, type ImagePixel } from './image-pixel';

const HEADER_LENGTH = 64;
const MAX_SEGMENTS = 15;

/**
 * Decodes one RLE Lossless frame (PS3.5 Annex G) into native pixels: little-endian samples, colour by
 * pixel. The frame is a 64-byte header of segment offsets, then one segment per byte of each sample,
 * the most significant byte first (G.2); each segment is a PackBits-style byte run list (G.3.1).
 */
export function decodeRleFrame(frame: Uint8Array, image: ImagePixel): Uint8Array {
  const bytesPerSample = image.bitsAllocated / 8;
  const segmentCount = image.samplesPerPixel * bytesPerSample;
  if (frame.length < HEADER_LENGTH) throw corrupt(`the frame is ${frame.length} bytes, shorter than the 64-byte RLE header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const declared = view.getUint32(0, true);
  if (declared !== segmentCount || segmentCount > MAX_SEGMENTS) {
    throw corrupt(`the RLE header declares ${declared} segments where ${image.samplesPerPixel} samples of ${image.bitsAllocated} bits need ${segmentCount} (PS3.5 G.2)`);
  }
  const offsets: number[] = [];
  for (let s = 0; s < segmentCount; s++) offsets.push(view.getUint32(4 + s * 4, true));
  const pixels = image.rows * image.columns;
  const out = new Uint8Array(nativeFrameLength(image));
  const segment = new Uint8Array(pixels);
  for (let s = 0; s < segmentCount; s++) {
    const start = offsets[s] as number;
    const end = s + 1 < segmentCount ? (offsets[s + 1] as number) : frame.length;
    if (start < HEADER_LENGTH || end < start || end > frame.length) throw corrupt(`segment ${s + 1} has an offset outside the frame`);
    unpackSegment(frame.subarray(start, end), segment, s + 1);
    // Segment s holds byte (s mod bytesPerSample) of sample floor(s / bytesPerSample), most significant first.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = image.samplesPerPixel * bytesPerSample;
    let o = sample * bytesPerSample + byteInSample;
    for (let p = 0; p < pixels; p++, o += stride) out[o] = segment[p] as number;
  }
  return out;
}

// PS3.5 G.3.1: a header byte n in 0..127 copies the next n+1 bytes literally; -1..-127 repeats the next
// byte 1-n times; -128 is a no-op. A segment may end in padding after the last pixel.
function unpackSegment(data: Uint8Array, out: Uint8Array, index: number): void {
  let i = 0;
  let o = 0;
  while (o < out.length) {
    if (i >= data.length) throw corrupt(`segment ${index} decodes to ${o} bytes where ${out.length} are needed`);
    const n = (data[i++] as number) << 24 >> 24;
    if (n >= 0) {
      const count = n + 1;
      if (i + count > data.length || o + count > out.length) throw corrupt(`segment ${index} has a literal run past its end`);
      out.set(data.subarray(i, i + count), o);
      i += count;
      o += count;
    } else if (n !== -128) {
      const count = 1 - n;
      if (i >= data.length || o + count > out.length) throw corrupt(`segment ${index} has a replicate run past its end`);
      out.fill(data[i++] as number, o, o + count);
      o += count;
    }
  }
}

function corrupt(message: string): CodecError {
  return new CodecError(CodecErrorCode.CorruptFrame, `RLE Lossless: ${message}`);
}
