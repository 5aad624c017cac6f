import { encodeDataset, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, generateUid, TransferSyntaxUIDs, type ElementSpec } from '@tessera/dicom';
import { writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './process';

const MULTIFRAME_GRAYSCALE_WORD_SC = '1.2.840.10008.5.1.4.1.1.7.3';

/** A set of Part 10 files on disk that all belong to one study. */
export interface Corpus {
  readonly studyInstanceUID: string;
  readonly files: readonly string[];
  readonly bytes: number;
}

interface Manifest extends Corpus {
  readonly version: number;
}

// Bump when the generated objects change, so that old caches are regenerated.
const MANIFEST_VERSION = 2;

function readManifest(file: string, check: (m: Manifest) => boolean): Corpus | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
    if (m.version !== MANIFEST_VERSION || !check(m)) return undefined;
    // A cache with a deleted or truncated file is regenerated rather than trusted.
    let bytes = 0;
    for (const f of m.files) bytes += fs.statSync(f).size;
    return bytes === m.bytes ? { studyInstanceUID: m.studyInstanceUID, files: m.files, bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** The first `count` files of a corpus (a --quick run sends a prefix of the cached study). */
export function prefix(corpus: Corpus, count: number): Corpus {
  const files = corpus.files.slice(0, count);
  return { studyInstanceUID: corpus.studyInstanceUID, files, bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

/**
 * `count` CT instances of 512 x 512 x 16 bit (0.5 MiB of pixels), Explicit VR Little Endian, in one
 * series of one study (the tests' writeSyntheticStudy), generated once into `dir` and reused.
 */
export function ensureCtCorpus(dir: string, count: number): Corpus {
  const manifestFile = path.join(dir, 'manifest.json');
  const cached = readManifest(manifestFile, (m) => m.files.length === count);
  if (cached) return cached;
  fs.rmSync(dir, { recursive: true, force: true });
  const { studyInstanceUID, files } = writeSyntheticStudy(dir, count, { patientId: 'BENCH-0001' });
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const manifest: Manifest = { version: MANIFEST_VERSION, studyInstanceUID, files, bytes };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  return { studyInstanceUID, files, bytes };
}

/**
 * One Multi-frame Grayscale Word Secondary Capture object of `frames` frames of 512 x 512 x 16 bit
 * (4096 frames = 2 GiB of pixel data), written streaming: the header is encoded, then the Pixel Data
 * element header with its explicit length, then the pixels in chunks. Never held in memory.
 */
export async function ensureLargeInstance(dir: string, frames: number): Promise<Corpus> {
  const manifestFile = path.join(dir, 'manifest.json');
  const cached = readManifest(manifestFile, (m) => m.files.length === 1 && m.files[0] === path.join(dir, `SC-${frames}.dcm`));
  if (cached) return cached;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rows = 512;
  const columns = 512;
  const frameBytes = rows * columns * 2;
  const pixelBytes = frameBytes * frames;
  // The Pixel Data length is a 32-bit field and 0xFFFFFFFF means "undefined length".
  if (pixelBytes >= 0xffffffff) throw new Error(`${frames} frames do not fit a defined-length Pixel Data element`);
  const studyInstanceUID = generateUid();
  const sop = generateUid();
  const header: ElementSpec[] = [
    { tag: 0x00080016, value: MULTIFRAME_GRAYSCALE_WORD_SC },
    { tag: 0x00080018, value: sop },
    { tag: 0x00080020, value: '20250101' },
    { tag: 0x00080030, value: '120000' },
    { tag: 0x00080050, value: 'BENCH0002' },
    { tag: 0x00080060, value: 'OT' },
    { tag: 0x00080064, value: 'WSD' },
    { tag: 0x00081030, value: 'Benchmark large multi-frame' },
    { tag: 0x00100010, value: 'Bench^Large' },
    { tag: 0x00100020, value: 'BENCH-0002' },
    { tag: 0x0020000d, value: studyInstanceUID },
    { tag: 0x0020000e, value: generateUid() },
    { tag: 0x00200011, value: '1' },
    { tag: 0x00200013, value: '1' },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, value: 'MONOCHROME2' },
    { tag: 0x00280008, value: String(frames) },
    // Frame Increment Pointer (Type 1C for multi-frame SC, PS3.3 C.8.6.3) -> Frame Time (0018,1063).
    { tag: 0x00280009, vr: 'AT', value: atValue(0x0018, 0x1063) },
    { tag: 0x00181063, value: '40' },
    { tag: 0x00280010, vr: 'US', value: [rows] },
    { tag: 0x00280011, vr: 'US', value: [columns] },
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [16] },
    { tag: 0x00280102, vr: 'US', value: [15] },
    { tag: 0x00280103, vr: 'US', value: [0] },
  ];
  // Explicit VR Little Endian OW: tag (group, element), 'OW', 2 reserved bytes, 32-bit length (PS3.5 7.1.2).
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(pixelBytes, 8);
  const file = path.join(dir, `SC-${frames}.dcm`);
  const partial = `${file}.partial`;
  const out = fs.createWriteStream(partial);
  const write = (chunk: Buffer): Promise<void> | undefined => (out.write(chunk) ? undefined : new Promise((resolve) => out.once('drain', () => resolve())));
  await write(encodeFileMeta({ mediaStorageSOPClassUID: MULTIFRAME_GRAYSCALE_WORD_SC, mediaStorageSOPInstanceUID: sop, transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian }));
  await write(encodeDataset(header, EXPLICIT_VR_LITTLE_ENDIAN));
  await write(pixelHeader);
  // 16 frames (8 MiB) per chunk; each frame starts with its number so the frames differ.
  const framesPerChunk = 16;
  for (let f = 0; f < frames; f += framesPerChunk) {
    const n = Math.min(framesPerChunk, frames - f);
    const chunk = Buffer.alloc(n * frameBytes);
    for (let i = 0; i < n; i++) chunk.writeUInt32LE(f + i, i * frameBytes);
    await write(chunk);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  fs.renameSync(partial, file);
  const bytes = fs.statSync(file).size;
  const manifest: Manifest = { version: MANIFEST_VERSION, studyInstanceUID, files: [file], bytes };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  return { studyInstanceUID, files: [file], bytes };
}

/** An AT value in little endian: group, then element (PS3.5 6.2). */
function atValue(group: number, element: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(element, 2);
  return b;
}

/** One level of a generated whole-slide pyramid: a Part 10 file of `frames` JPEG tiles. */
export interface SlideLevel {
  readonly file: string;
  readonly sop: string;
  readonly columns: number;
  readonly rows: number;
  readonly frames: number;
  readonly bytes: number;
}

/** A whole-slide image (one series, one instance per level), as test/e2e/peers/wsi_slide.py wrote it. */
export interface Slide extends Corpus {
  readonly seriesInstanceUID: string;
  readonly levels: readonly SlideLevel[];
}

/**
 * A VL Whole Slide Microscopy TILED_FULL pyramid of `tilesAcross` x `tilesAcross` JPEG tiles of 512 x 512
 * at full resolution, halved level by level down to one tile (160 tiles across: about 2 GiB), generated
 * once into `dir` by the e2e suite's generator with the test venv's Python and reused.
 */
export async function ensureSlide(dir: string, tilesAcross: number, python: string, repoRoot: string): Promise<Slide> {
  const manifestFile = path.join(dir, 'manifest.json');
  const cached = readManifest(manifestFile, (m) => (m as Partial<Slide>).levels !== undefined && m.files[0] === path.join(dir, 'level-0.dcm'));
  if (cached) return JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Slide;
  fs.rmSync(dir, { recursive: true, force: true });
  const levels = Math.ceil(Math.log2(tilesAcross)) + 1;
  const args = [path.join(repoRoot, 'test/e2e/peers/wsi_slide.py'), '--out', dir, '--tiles-across', String(tilesAcross), '--tiles-down', String(tilesAcross), '--tile', '512', '--levels', String(levels)];
  const r = await run(python, args, { timeoutMs: 60 * 60_000 });
  if (r.code !== 0) throw new Error(`wsi_slide.py failed:\n${r.output.slice(-3000)}`);
  const written = JSON.parse(r.output) as { study: string; series: string; files: string[]; levels: SlideLevel[]; bytes: number };
  const slide: Slide = { studyInstanceUID: written.study, seriesInstanceUID: written.series, files: written.files, bytes: written.bytes, levels: written.levels };
  fs.writeFileSync(manifestFile, JSON.stringify({ version: MANIFEST_VERSION, ...slide }));
  return slide;
}
