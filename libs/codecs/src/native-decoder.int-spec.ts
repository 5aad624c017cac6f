import { DatasetParser, DicomJsonBuilder, EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, readFileMeta, Tags, type DatasetVisitor, type ElementHeader, type TransferSyntax } from '@tessera/dicom';
import { pydicomTestFiles, repoRoot } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { CodecError, CodecErrorCode } from './codec-error';
import { decodeToNative } from './native-decoder';

const run = promisify(execFile);
const dir = path.join(repoRoot(), 'tmp', 'codecs-int', String(process.pid));

/** A Part 10 file: its transfer syntax and data set bytes. */
function part10(file: string): { ts: TransferSyntax; dataset: Buffer } {
  const bytes = fs.readFileSync(file);
  const { meta, datasetOffset } = readFileMeta(bytes, true) as NonNullable<ReturnType<typeof readFileMeta>>;
  return { ts: lookupTransferSyntax(meta.transferSyntaxUID) as TransferSyntax, dataset: bytes.subarray(datasetOffset) };
}

/** A native data set's DICOM JSON without Pixel Data, and its Pixel Data bytes colour by pixel. */
function nativeImage(dataset: Buffer, ts: TransferSyntax): { json: Record<string, { vr?: string; Value?: unknown[] }>; pixels: Buffer } {
  const builder = new DicomJsonBuilder((r) => `${r.offset}:${r.length}`);
  let pixels = Buffer.alloc(0);
  let depth = 0;
  const visitor: DatasetVisitor = {
    wantsValue: (h: ElementHeader) => (depth === 0 && h.tag === Tags.PixelData) || builder.wantsValue(h),
    element: (h, v) => {
      if (depth === 0 && h.tag === Tags.PixelData) pixels = Buffer.from(v as Buffer);
      else builder.element(h, v);
    },
    sequenceStart: (h) => {
      depth++;
      builder.sequenceStart(h);
    },
    sequenceEnd: () => {
      depth--;
      builder.sequenceEnd();
    },
    itemStart: () => builder.itemStart(),
    itemEnd: () => builder.itemEnd(),
    encapsulatedStart: () => {
      throw new Error('encapsulated Pixel Data in a native data set');
    },
    fragment: () => undefined,
    encapsulatedEnd: () => undefined,
  };
  const parser = new DatasetParser(ts, visitor);
  parser.push(dataset);
  parser.end();
  const json = builder.dataset as Record<string, { Value?: unknown[] }>;
  // Bring colour by plane (PS3.3 C.7.6.3.1.3) to colour by pixel, so that any two layouts compare.
  if (json['00280006']?.Value?.[0] === 1) {
    const rows = json['00280010']?.Value?.[0] as number;
    const columns = json['00280011']?.Value?.[0] as number;
    const spp = json['00280002']?.Value?.[0] as number;
    const width = (json['00280100']?.Value?.[0] as number) / 8;
    const frame = rows * columns * spp * width;
    const byPixel = Buffer.alloc(pixels.length);
    for (let f = 0; f * frame < pixels.length - 1; f++) {
      for (let s = 0; s < spp; s++) {
        for (let p = 0; p < rows * columns; p++) pixels.copy(byPixel, f * frame + (p * spp + s) * width, f * frame + (s * rows * columns + p) * width, f * frame + (s * rows * columns + p + 1) * width);
      }
    }
    pixels = byPixel;
    json['00280006'] = { ...json['00280006'], Value: [0] };
  }
  delete json['7FE00010'];
  return { json, pixels };
}

async function decode(file: string, target: 'explicit-little-endian' | 'implicit-little-endian' = 'explicit-little-endian', chunk = 4096): Promise<Buffer> {
  const { ts, dataset } = part10(file);
  const pieces: Buffer[] = [];
  for (let i = 0; i < dataset.length; i += chunk) pieces.push(dataset.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of decodeToNative(Readable.from(pieces), ts, target)) out.push(c as Buffer);
  return Buffer.concat(out);
}

type Tool = readonly [string, readonly string[]];

/** One case: a file (from pydicom, or made from one by DCMTK), its reference decoder, and the largest sample difference allowed. */
interface Case {
  readonly name: string;
  readonly source: string;
  /** DCMTK commands that turn the pydicom file into the encapsulated one under test, one after another. */
  readonly make?: readonly Tool[];
  readonly reference: Tool;
  /** 0 for lossless coding; lossy decoders may round differently. */
  readonly tolerance: number;
  /** Lossy Image Compression Method that Tessera adds when it has to set Lossy Image Compression to "01". */
  readonly addsMethod?: string;
}

const DRLE: Tool = ['dcmdrle', []];
const DJPEG: Tool = ['dcmdjpeg', []];
const DJPLS: Tool = ['dcmdjpls', []];
// DCMTK has no JPEG 2000 decoder; GDCM's gdcmconv (Debian libgdcm-tools) is the reference.
const DJ2K: Tool = ['gdcmconv', ['--raw']];
const rgb2frames: Tool = ['dcmdrle', []]; // SC_rgb_rle_2frame.dcm made native first

const CASES: readonly Case[] = [
  ...['MR_small_RLE.dcm', 'SC_rgb_rle.dcm', 'SC_rgb_rle_16bit.dcm', 'SC_rgb_rle_16bit_2frame.dcm', 'SC_rgb_rle_2frame.dcm', 'SC_rgb_rle_32bit.dcm', 'SC_rgb_rle_32bit_2frame.dcm', 'rtdose_rle.dcm', 'rtdose_rle_1frame.dcm'].map(
    (f): Case => ({ name: `RLE Lossless ${f}`, source: f, reference: DRLE, tolerance: 0 }),
  ),
  { name: 'JPEG Lossless SV1 SC_rgb_jpeg_gdcm.dcm', source: 'SC_rgb_jpeg_gdcm.dcm', reference: DJPEG, tolerance: 0 },
  { name: 'JPEG Lossless SV1, 16-bit signed (MR_small.dcm by dcmcjpeg +e1)', source: 'MR_small.dcm', make: [['dcmcjpeg', ['+e1']]], reference: DJPEG, tolerance: 0 },
  { name: 'JPEG Lossless process 14, selection value 6 (MR_small.dcm by dcmcjpeg +el)', source: 'MR_small.dcm', make: [['dcmcjpeg', ['+el']]], reference: DJPEG, tolerance: 0 },
  { name: 'JPEG Lossless process 14, selection value 7 (CT_small.dcm by dcmcjpeg +el +sv 7)', source: 'CT_small.dcm', make: [['dcmcjpeg', ['+el', '+sv', '7']]], reference: DJPEG, tolerance: 0 },
  { name: 'JPEG Lossless SV1, 2 RGB frames in 1 KiB fragments, empty Basic Offset Table', source: 'SC_rgb_rle_2frame.dcm', make: [rgb2frames, ['dcmcjpeg', ['+e1', '+fs', '1', '-ot']]], reference: DJPEG, tolerance: 0 },
  { name: 'JPEG Lossless SV1, 2 RGB frames in 1 KiB fragments, with Basic Offset Table', source: 'SC_rgb_rle_2frame.dcm', make: [rgb2frames, ['dcmcjpeg', ['+e1', '+fs', '1', '+ot']]], reference: DJPEG, tolerance: 0 },
  ...['MR_small_jpeg_ls_lossless.dcm'].map((f): Case => ({ name: `JPEG-LS Lossless ${f}`, source: f, reference: DJPLS, tolerance: 0 })),
  // Near-lossless decoding is integer arithmetic (ISO/IEC 14495-1), so it too must match exactly.
  ...['SC_rgb_jls_lossy_line.dcm', 'SC_rgb_jls_lossy_sample.dcm', 'JPEGLSNearLossless_08.dcm', 'JPEGLSNearLossless_16.dcm'].map(
    (f): Case => ({ name: `JPEG-LS Near-Lossless ${f}`, source: f, reference: DJPLS, tolerance: 0, addsMethod: 'ISO_14495_1' }),
  ),
  { name: 'JPEG-LS Lossless, 2 RGB frames not interleaved (by plane), empty Basic Offset Table', source: 'SC_rgb_rle_2frame.dcm', make: [rgb2frames, ['dcmcjpls', ['+in', '-ot']]], reference: DJPLS, tolerance: 0 },
  ...['MR_small_jp2klossless.dcm', 'examples_jpeg2k.dcm', 'GDCMJ2K_TextGBR.dcm', 'J2K_pixelrep_mismatch.dcm'].map((f): Case => ({ name: `JPEG 2000 Lossless ${f}`, source: f, reference: DJ2K, tolerance: 0 })),
  ...['693_J2KI.dcm', 'JPEG2000.dcm', 'SC_rgb_gdcm_KY.dcm'].map((f): Case => ({ name: `JPEG 2000 ${f}`, source: f, reference: DJ2K, tolerance: 1 })),
  ...['SC_rgb_jpeg_dcmtk.dcm', 'SC_rgb_dcmtk_+eb+cy+np.dcm', 'SC_rgb_dcmtk_+eb+cy+s2.dcm', 'SC_rgb_dcmtk_+eb+cy+n1.dcm', 'SC_rgb_dcmtk_+eb+cr.dcm', 'SC_rgb_jpeg_lossy_gdcm.dcm', 'examples_ybr_color.dcm', 'SC_rgb_small_odd_jpeg.dcm', 'SC_jpeg_no_color_transform_2.dcm'].map(
    (f): Case => ({ name: `JPEG Baseline ${f}`, source: f, reference: DJPEG, tolerance: 2 }),
  ),
  // RGB coded without a colour transform and without a JFIF or Adobe marker: libjpeg alone would guess
  // YCbCr from the component identifiers; Photometric Interpretation RGB says otherwise.
  { name: 'JPEG Baseline SC_jpeg_no_color_transform.dcm', source: 'SC_jpeg_no_color_transform.dcm', reference: DJPEG, tolerance: 2 },
  { name: 'JPEG Baseline, 2 frames YBR_FULL_422 (by dcmcjpeg +eb), empty Basic Offset Table', source: 'SC_rgb_rle_2frame.dcm', make: [rgb2frames, ['dcmcjpeg', ['+eb', '-ot']]], reference: DJPEG, tolerance: 2 },
];

/** Runs a DCMTK or GDCM tool on a file; a missing tool fails the test. */
async function tool([command, args]: Tool, file: string, step: string): Promise<string> {
  const out = path.join(dir, `${path.basename(file)}.${step}.dcm`);
  try {
    await run(command, [...args, file, out]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${command} is not installed: run scripts/infra/install.sh apt`);
    throw err;
  }
  return out;
}

/** Largest difference between two little-endian sample arrays of the given width. */
function maxDifference(a: Buffer, b: Buffer, width: number): number {
  let max = 0;
  for (let i = 0; i + width <= a.length; i += width) {
    const d = Math.abs((width === 1 ? (a[i] as number) : a.readUInt16LE(i)) - (width === 1 ? (b[i] as number) : b.readUInt16LE(i)));
    if (d > max) max = d;
  }
  return max;
}

/** The DICOM JSON of a data set without its Pixel Data and offset tables, bulk data by length only. */
function attributesOf(dataset: Buffer, ts: TransferSyntax): Record<string, { vr: string; Value?: unknown[] }> {
  const builder = new DicomJsonBuilder((r) => String(r.length));
  const parser = new DatasetParser(ts, builder);
  parser.push(dataset);
  parser.end();
  const json = builder.dataset as Record<string, { vr: string; Value?: unknown[] }>;
  for (const key of ['7FE00010', '7FE00001', '7FE00002', '00280000', '7FE00000']) delete json[key];
  return json;
}

beforeAll(() => fs.mkdirSync(dir, { recursive: true }));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('decodeToNative against DCMTK and GDCM, on pydicom test files', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    let file = path.join(pydicomTestFiles(), c.source);
    for (const [i, step] of (c.make ?? []).entries()) file = await tool(step, file, `make${i}`);
    const original = part10(file);
    expect(original.ts.encapsulated).toBe(true);
    const ref = part10(await tool(c.reference, file, 'reference'));
    const ours = nativeImage(await decode(file), EXPLICIT_VR_LITTLE_ENDIAN);
    const theirs = nativeImage(ref.dataset, ref.ts);

    expect(ours.pixels.length).toBe(theirs.pixels.length);
    const width = (ours.json['00280100']?.Value?.[0] as number) === 8 ? 1 : 2;
    if (c.tolerance === 0) expect(ours.pixels.equals(theirs.pixels)).toBe(true);
    else expect(maxDifference(ours.pixels, theirs.pixels, width)).toBeLessThanOrEqual(c.tolerance);

    // Every attribute as in the original, but those that describe the decoded pixels (PS3.3 C.7.6.3).
    const expected = attributesOf(original.dataset, original.ts);
    expected['00280004'] = theirs.json['00280004'] as { vr: string };
    if (expected['00280002']?.Value?.[0] !== 1) expected['00280006'] = { vr: 'US', Value: [0] };
    const lossy = (theirs.json['00282110']?.Value?.[0] as string | undefined) === '01';
    if (lossy) expected['00282110'] = { vr: 'CS', Value: ['01'] };
    if (c.addsMethod) expected['00282114'] = { vr: 'CS', Value: [c.addsMethod] };
    // Whole frames as views into one large buffer, rather than pieces copied together, decode the same.
    const inOneChunk = await decode(file, 'explicit-little-endian', 1 << 30);
    expect(nativeImage(inOneChunk, EXPLICIT_VR_LITTLE_ENDIAN).pixels.equals(ours.pixels)).toBe(true);
    expect(attributesOf(inOneChunk, EXPLICIT_VR_LITTLE_ENDIAN)).toEqual(expected);
  });

  it('writes the same pixels and values in Implicit VR Little Endian, whatever the chunk sizes', async () => {
    const file = path.join(pydicomTestFiles(), 'examples_ybr_color.dcm');
    const explicit = nativeImage(await decode(file, 'explicit-little-endian', 65536), EXPLICIT_VR_LITTLE_ENDIAN);
    const implicit = nativeImage(await decode(file, 'implicit-little-endian', 997), IMPLICIT_VR_LITTLE_ENDIAN);
    expect(implicit.pixels.equals(explicit.pixels)).toBe(true);
    expect(implicit.json['00280004']).toEqual({ vr: 'CS', Value: ['RGB'] });
  });

  it('refuses a JPEG 2000 code stream that GDCM also cannot decode, as a corrupt frame', async () => {
    const file = path.join(pydicomTestFiles(), 'JPEG2000-embedded-sequence-delimiter.dcm');
    await expect(tool(DJ2K, file, 'reference')).rejects.toThrow(/Could not change the Transfer Syntax/);
    await expect(decode(file)).rejects.toMatchObject({ code: CodecErrorCode.CorruptFrame });
  });

  it.each(['JPEG-lossy.dcm', 'JPGExtended.dcm'])('refuses 12-bit JPEG Extended (%s) before decoding anything', async (name) => {
    const error = await decode(path.join(pydicomTestFiles(), name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ code: CodecErrorCode.UnsupportedImage, message: expect.stringContaining('12-bit') });
  });
});
