import { CodecError, CodecErrorCode } from './codec-error';
import { nativeFrameLength, type ImagePixel } from './image-pixel';
import { decodeRleFrame } from './rle-decoder';

/** One decoded frame: native pixels (little endian, colour by pixel) and whether its coding was lossy. */
export interface DecodedFrame {
  readonly pixels: Uint8Array;
  readonly lossy: boolean;
}

/** Decodes one frame's code stream (all of its fragments' bytes) for the given image. */
export type FrameDecoder = (frame: Uint8Array, image: ImagePixel) => DecodedFrame;

/** How the pixel data of one encapsulated transfer syntax is decoded. */
export interface PixelCodec {
  readonly transferSyntaxUID: string;
  readonly name: string;
  /** Whether every code stream of this transfer syntax is lossy (the DCT processes of ITU-T T.81). */
  readonly alwaysLossy: boolean;
  /** Lossy Image Compression Method (0028,2114) for an image this codec decodes from lossy coding (PS3.3 C.7.6.1.1.5.1). */
  readonly lossyMethod?: string;
  /** Each frame is exactly one fragment (RLE, PS3.5 G.2; Encapsulated Uncompressed, A.4.11). */
  readonly fragmentPerFrame: boolean;
  /** Whether a fragment that begins with these bytes begins a new frame's code stream. */
  startsFrame(head: Uint8Array): boolean;
  /** Why this codec cannot decode such an image, or undefined when it can. */
  refuses(image: ImagePixel): string | undefined;
  /** Photometric Interpretation of the decoded pixels (PS3.5 8.2, PS3.3 C.7.6.3.1.2). */
  decodedPhotometric(image: ImagePixel): string;
  /** Loads the decoder (once per process for the WebAssembly ones). */
  load(): Promise<FrameDecoder>;
}

export const CodecTransferSyntaxUIDs = {
  EncapsulatedUncompressedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.98',
  JPEGBaseline8Bit: '1.2.840.10008.1.2.4.50',
  JPEGExtended12Bit: '1.2.840.10008.1.2.4.51',
  JPEGLossless: '1.2.840.10008.1.2.4.57',
  JPEGLosslessSV1: '1.2.840.10008.1.2.4.70',
  JPEGLSLossless: '1.2.840.10008.1.2.4.80',
  JPEGLSNearLossless: '1.2.840.10008.1.2.4.81',
  JPEG2000Lossless: '1.2.840.10008.1.2.4.90',
  JPEG2000: '1.2.840.10008.1.2.4.91',
  RLELossless: '1.2.840.10008.1.2.5',
} as const;

const isJpegSoi = (head: Uint8Array): boolean => head[0] === 0xff && head[1] === 0xd8;
// A J2K code stream opens with SOC then SIZ (ISO/IEC 15444-1 A.4.1); a JP2 file with its signature box.
const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];
const isJ2kStart = (head: Uint8Array): boolean =>
  (head[0] === 0xff && head[1] === 0x4f && head[2] === 0xff && head[3] === 0x51) || JP2_SIGNATURE.every((b, i) => head[i] === b);

const unchangedPhotometric = (image: ImagePixel): string =>
  // A lossless decoder yields every chroma sample, so YBR_FULL_422's subsampled native layout no longer applies (PS3.3 C.7.6.3.1.2).
  image.photometricInterpretation === 'YBR_FULL_422' ? 'YBR_FULL' : image.photometricInterpretation;

const needsWholeBytes = (image: ImagePixel, allowed: readonly number[]): string | undefined =>
  allowed.includes(image.bitsAllocated) ? undefined : `Bits Allocated ${image.bitsAllocated} (this decoder takes ${allowed.join(' or ')})`;

const needsSamples = (image: ImagePixel): string | undefined =>
  image.samplesPerPixel === 1 || image.samplesPerPixel === 3 ? undefined : `Samples per Pixel ${image.samplesPerPixel} (1 or 3 decodable)`;

function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}

// The Emscripten builds print progress (OpenJPEG's [INFO] lines) and errors; keep the last error line
// for the failure message instead of writing to the process's output.
interface CodecLog {
  lastError: string;
}
function quietModuleOptions(log: CodecLog): { print: (text: string) => void; printErr: (text: string) => void } {
  return { print: () => undefined, printErr: (text) => (log.lastError = text) };
}

interface RawDecode {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly bitsPerSample: number;
  readonly signed: boolean;
  /** The decoder wrote one whole plane per component (JPEG-LS interleave mode none). */
  readonly byPlane: boolean;
}

/** Checks a decoder's output against the attributes and brings it to the native layout (PS3.5 8.1.1, 8.2). */
function toNative(codec: string, raw: RawDecode, image: ImagePixel): Uint8Array {
  if (raw.width !== image.columns || raw.height !== image.rows || raw.components !== image.samplesPerPixel) {
    throw new CodecError(
      CodecErrorCode.CorruptFrame,
      `${codec}: the code stream is ${raw.width}×${raw.height} with ${raw.components} components, the attributes say ${image.columns}×${image.rows} with ${image.samplesPerPixel}`,
    );
  }
  const samples = image.rows * image.columns * image.samplesPerPixel;
  const width = image.bitsAllocated / 8;
  const decodedWidth = raw.bytes.length / samples;
  let out: Uint8Array;
  if (decodedWidth === width) {
    out = raw.bytes.slice();
  } else if (decodedWidth === 1 && width === 2 && raw.bitsPerSample <= 8) {
    // An 8-bit code stream in 16-bit cells (Bits Stored ≤ 8 < Bits Allocated).
    out = new Uint8Array(samples * 2);
    const words = new DataView(out.buffer);
    for (let i = 0; i < samples; i++) {
      const v = raw.bytes[i] as number;
      words.setUint16(i * 2, raw.signed && v & 0x80 ? v | 0xff00 : v, true);
    }
  } else {
    throw new CodecError(CodecErrorCode.CorruptFrame, `${codec}: the code stream has ${raw.bitsPerSample}-bit samples, which do not fit Bits Allocated ${image.bitsAllocated}`);
  }
  return raw.byPlane && image.samplesPerPixel > 1 ? interleave(out, image) : out;
}

function interleave(planes: Uint8Array, image: ImagePixel): Uint8Array {
  const pixels = image.rows * image.columns;
  const width = image.bitsAllocated / 8;
  const spp = image.samplesPerPixel;
  const out = new Uint8Array(planes.length);
  for (let s = 0; s < spp; s++) {
    for (let p = 0; p < pixels; p++) {
      const from = (s * pixels + p) * width;
      const to = (p * spp + s) * width;
      for (let b = 0; b < width; b++) out[to + b] = planes[from + b] as number;
    }
  }
  return out;
}

function embindDecode<D extends EmbindDecoder>(codec: string, log: CodecLog, make: () => D, frame: Uint8Array, read: (decoder: D) => { byPlane: boolean; lossy: boolean }, image: ImagePixel): DecodedFrame {
  const decoder = make();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    log.lastError = '';
    const withHeader = decoder as D & { readHeader?: () => void };
    withHeader.readHeader?.();
    decoder.decode();
    const info = decoder.getFrameInfo();
    const extra = read(decoder);
    const pixels = toNative(
      codec,
      { bytes: decoder.getDecodedBuffer(), width: info.width, height: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, signed: info.isSigned ?? false, byPlane: extra.byPlane },
      image,
    );
    return { pixels, lossy: extra.lossy };
  } catch (err) {
    if (err instanceof CodecError) throw err;
    const reason = err instanceof Error ? err.message : log.lastError || `decoder error ${String(err)}`;
    throw new CodecError(CodecErrorCode.CorruptFrame, `${codec}: the code stream could not be decoded (${reason})`);
  } finally {
    decoder.delete();
  }
}

// Without a JFIF (APP0) or Adobe (APP14) marker, libjpeg guesses a three-component stream's colour
// space from its component identifiers, and guesses YCbCr for most. In DICOM, Photometric Interpretation
// says it: RGB means the components were coded without a colour transform (PS3.5 8.2.1). An Adobe marker
// with that transform flag (0 none, 1 YCbCr) makes libjpeg follow the attribute, as DCMTK's dcmdjpeg does.
function withColourTransformMarker(frame: Uint8Array, image: ImagePixel): Uint8Array {
  if (image.samplesPerPixel !== 3) return frame;
  for (let p = 2; p + 4 <= frame.length && frame[p] === 0xff; ) {
    const marker = frame[p + 1] as number;
    const length = ((frame[p + 2] as number) << 8) | (frame[p + 3] as number);
    const id = Buffer.from(frame.subarray(p + 4, p + 9)).toString('latin1');
    if ((marker === 0xe0 && id === 'JFIF\0') || (marker === 0xee && id === 'Adobe')) return frame;
    // Tables and application segments come before the frame header (ITU-T T.81 B.2.1); stop at SOFn or SOS.
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xda) break;
    p += 2 + length;
  }
  const transform = image.photometricInterpretation === 'RGB' ? 0 : 1;
  // APP14 "Adobe": length 14, version 100, flags0 0, flags1 0, transform.
  const app14 = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, transform];
  const out = new Uint8Array(frame.length + app14.length);
  out.set(frame.subarray(0, 2));
  out.set(app14, 2);
  out.set(frame.subarray(2), 2 + app14.length);
  return out;
}

const jpegBaseline = (uid: string, name: string): PixelCodec => {
  const log: CodecLog = { lastError: '' };
  const module = lazy(async () => {
    const factory = (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default;
    return factory(quietModuleOptions(log));
  });
  return {
    transferSyntaxUID: uid,
    name,
    alwaysLossy: true,
    lossyMethod: 'ISO_10918_1',
    fragmentPerFrame: false,
    startsFrame: isJpegSoi,
    refuses: (image) =>
      needsSamples(image) ??
      (image.bitsAllocated === 8 && image.bitsStored <= 8 ? undefined : `${image.bitsStored}-bit samples (only 8-bit JPEG is decodable: the libjpeg-turbo build on npm has no 12-bit DCT)`),
    // libjpeg converts three-component YCbCr to RGB (PS3.5 8.2.1), as DCMTK's dcmdjpeg does.
    decodedPhotometric: (image) => (image.samplesPerPixel === 3 ? 'RGB' : image.photometricInterpretation),
    load: async () => {
      const { JPEGDecoder } = await module();
      return (frame, image) => embindDecode(name, log, () => new JPEGDecoder(), withColourTransformMarker(frame, image), () => ({ byPlane: false, lossy: true }), image);
    },
  };
};

const jpegLossless = (uid: string, name: string): PixelCodec => ({
  transferSyntaxUID: uid,
  name,
  alwaysLossy: false,
  fragmentPerFrame: false,
  startsFrame: isJpegSoi,
  refuses: (image) => needsSamples(image) ?? needsWholeBytes(image, [8, 16]),
  decodedPhotometric: unchangedPhotometric,
  load: async () => {
    const { Decoder } = await import('jpeg-lossless-decoder-js');
    return (frame, image) => {
      const decoder = new Decoder();
      let decoded: Uint8Array | Uint16Array;
      try {
        // The decoder reads an ArrayBuffer from its start: give it a copy of just this frame (a Buffer
        // is often a view into a larger pooled one).
        const copy = new Uint8Array(frame);
        decoded = decoder.decode(copy.buffer, 0, copy.length, image.bitsAllocated / 8);
      } catch (err) {
        throw new CodecError(CodecErrorCode.CorruptFrame, `${name}: the code stream could not be decoded (${err instanceof Error ? err.message : String(err)})`);
      }
      const bytes = new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
      const raw = { bytes, width: decoder.xDim, height: decoder.yDim, components: decoder.numComp, bitsPerSample: decoder.precision, signed: false, byPlane: false };
      return { pixels: toNative(name, raw, image), lossy: false };
    };
  },
});

const jpegLs = (uid: string, name: string): PixelCodec => {
  const log: CodecLog = { lastError: '' };
  const module = lazy(async () => (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(quietModuleOptions(log)));
  return {
    transferSyntaxUID: uid,
    name,
    alwaysLossy: false,
    lossyMethod: 'ISO_14495_1',
    fragmentPerFrame: false,
    startsFrame: isJpegSoi,
    refuses: (image) => needsSamples(image) ?? needsWholeBytes(image, [8, 16]),
    decodedPhotometric: unchangedPhotometric,
    load: async () => {
      const { JpegLSDecoder } = await module();
      // NEAR > 0 is near-lossless coding (ISO/IEC 14495-1 A.2.1), a lossy process.
      return (frame, image) => embindDecode(name, log, () => new JpegLSDecoder(), frame, (d) => ({ byPlane: d.getInterleaveMode() === 0, lossy: d.getNearLossless() > 0 }), image);
    },
  };
};

const jpeg2000 = (uid: string, name: string): PixelCodec => {
  const log: CodecLog = { lastError: '' };
  const module = lazy(async () => (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(quietModuleOptions(log)));
  return {
    transferSyntaxUID: uid,
    name,
    alwaysLossy: false,
    lossyMethod: 'ISO_15444_1',
    fragmentPerFrame: false,
    startsFrame: isJ2kStart,
    refuses: (image) => needsSamples(image) ?? needsWholeBytes(image, [8, 16]),
    // OpenJPEG applies the inverse multiple-component transform, so YBR_ICT and YBR_RCT come out as
    // RGB (PS3.5 8.2.4, A.4.4).
    decodedPhotometric: (image) => (['YBR_ICT', 'YBR_RCT'].includes(image.photometricInterpretation) ? 'RGB' : unchangedPhotometric(image)),
    load: async () => {
      const { J2KDecoder } = await module();
      // The irreversible 9-7 wavelet is lossy (ISO/IEC 15444-1 Annex F).
      return (frame, image) => embindDecode(name, log, () => new J2KDecoder(), frame, (d) => ({ byPlane: false, lossy: !d.getIsReversible() }), image);
    },
  };
};

const rle: PixelCodec = {
  transferSyntaxUID: CodecTransferSyntaxUIDs.RLELossless,
  name: 'RLE Lossless',
  alwaysLossy: false,
  fragmentPerFrame: true,
  startsFrame: () => true,
  refuses: (image) => (image.bitsAllocated % 8 === 0 && image.samplesPerPixel * (image.bitsAllocated / 8) <= 15 ? undefined : `${image.samplesPerPixel} samples of ${image.bitsAllocated} bits (RLE holds at most 15 byte segments, PS3.5 G.2)`),
  decodedPhotometric: (image) => image.photometricInterpretation,
  load: async () => (frame, image) => ({ pixels: decodeRleFrame(frame, image), lossy: false }),
};

const encapsulatedUncompressed: PixelCodec = {
  transferSyntaxUID: CodecTransferSyntaxUIDs.EncapsulatedUncompressedExplicitVRLittleEndian,
  name: 'Encapsulated Uncompressed Explicit VR Little Endian',
  alwaysLossy: false,
  fragmentPerFrame: true,
  startsFrame: () => true,
  refuses: (image) => (image.bitsAllocated % 8 === 0 ? undefined : `Bits Allocated ${image.bitsAllocated}`),
  decodedPhotometric: (image) => image.photometricInterpretation,
  // Each fragment is one frame of native pixels, padded to an even length (PS3.5 A.4.11).
  load: async () => (frame, image) => {
    const length = nativeFrameLength(image);
    if (frame.length !== length && frame.length !== length + (length % 2)) {
      throw new CodecError(CodecErrorCode.CorruptFrame, `Encapsulated Uncompressed: a frame of ${frame.length} bytes where the attributes give ${length}`);
    }
    return { pixels: frame.subarray(0, length), lossy: false };
  },
};

const CODECS = new Map<string, PixelCodec>(
  [
    encapsulatedUncompressed,
    jpegBaseline(CodecTransferSyntaxUIDs.JPEGBaseline8Bit, 'JPEG Baseline (Process 1)'),
    jpegBaseline(CodecTransferSyntaxUIDs.JPEGExtended12Bit, 'JPEG Extended (Process 2 & 4)'),
    jpegLossless(CodecTransferSyntaxUIDs.JPEGLossless, 'JPEG Lossless, Non-Hierarchical (Process 14)'),
    jpegLossless(CodecTransferSyntaxUIDs.JPEGLosslessSV1, 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)'),
    jpegLs(CodecTransferSyntaxUIDs.JPEGLSLossless, 'JPEG-LS Lossless'),
    jpegLs(CodecTransferSyntaxUIDs.JPEGLSNearLossless, 'JPEG-LS Lossy (Near-Lossless)'),
    jpeg2000(CodecTransferSyntaxUIDs.JPEG2000Lossless, 'JPEG 2000 (Lossless Only)'),
    jpeg2000(CodecTransferSyntaxUIDs.JPEG2000, 'JPEG 2000'),
    rle,
  ].map((c) => [c.transferSyntaxUID, c]),
);

/** The codec that decodes pixel data of this transfer syntax, if Tessera has one. */
export function pixelCodecFor(transferSyntaxUID: string): PixelCodec | undefined {
  return CODECS.get(transferSyntaxUID);
}

/** Every encapsulated transfer syntax whose pixel data Tessera can decode to native. */
export function decodableTransferSyntaxes(): readonly string[] {
  return [...CODECS.keys()];
}
