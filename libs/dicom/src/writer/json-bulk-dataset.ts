import { characterSetEncoder } from '../charset-encoder';
import { DicomError, DicomErrorCode } from '../errors';
import type { DicomJsonDataset } from '../json/dicom-json';
import { parseTagKey, tagKey, tagLabel, Tags, type Tag } from '../tag';
import { EXPLICIT_VR_LITTLE_ENDIAN, TransferSyntaxUIDs } from '../transfer-syntax';
import { explicitLittleEndianHeader } from '../parser/part10';
import { hasLongLength, isVR, type VR } from '../vr';
import { encodeJsonDataset } from './json-to-dataset';

/** One stretch of bulk data that can be read, perhaps more than once, without holding it in memory. */
export interface BulkDataSource {
  readonly sizeBytes: number;
  open(): AsyncIterable<Buffer>;
}

/**
 * The value behind a BulkDataURI: the bytes of a native value, or the compressed frames of Pixel Data
 * in an encapsulated transfer syntax (PS3.18 8.7.3), one compressed frame per bulk data part.
 */
export type BulkDataValue =
  | { readonly kind: 'native'; readonly source: BulkDataSource }
  | { readonly kind: 'frames'; readonly transferSyntaxUID: string; readonly frames: readonly BulkDataSource[] };

/** A data set ready to stream: its transfer syntax and its bytes, without any Part 10 header. */
export interface StreamableDataset {
  readonly transferSyntaxUID: string;
  readonly bytes: () => AsyncIterable<Buffer>;
}

const UNDEFINED_LENGTH = 0xffffffff;
const PIXEL_DATA = tagKey(Tags.PixelData);
const SPECIFIC_CHARACTER_SET = tagKey(Tags.SpecificCharacterSet);

/**
 * Encodes a DICOM JSON data set whose BulkDataURI values name bulk data that `resolve` can read (STOW-RS
 * metadata and bulk data, PS3.18 10.5.1). The result streams: the bulk data are read from their sources
 * while the data set is written, never held whole. Native values make an Explicit VR Little Endian data
 * set; compressed Pixel Data frames are encapsulated (PS3.5 A.4), one fragment per frame, in the frames'
 * transfer syntax, with a Basic Offset Table. File Meta Information elements (group 0002) are left out:
 * the stored object gets its own header. Throws DicomError (MalformedDataset) for a BulkDataURI that names
 * nothing, bulk data in a sequence item, compressed bulk data other than Pixel Data, or a frame count that
 * differs from Number of Frames.
 */
export function streamJsonWithBulkData(dataset: DicomJsonDataset, resolve: (uri: string) => BulkDataValue | undefined): StreamableDataset {
  const inline: DicomJsonDataset = {};
  const bulk: { tag: Tag; vr: VR; value: BulkDataValue }[] = [];
  for (const [key, element] of Object.entries(dataset)) {
    const tag = parseTagKey(key);
    if (tag === undefined) throw malformed(`"${key}" is not the tag of a data element`);
    if (tag >>> 16 === 0x0002) continue;
    if (element.BulkDataURI === undefined) {
      // encodeJsonDataset refuses a BulkDataURI inside a sequence item: those stay unsupported.
      inline[key] = element;
      continue;
    }
    if (!isVR(element.vr)) throw malformed(`${tagLabel(tag)} has the unknown VR ${JSON.stringify(element.vr)}`);
    const value = resolve(element.BulkDataURI);
    if (!value) throw malformed(`${tagLabel(tag)} names the bulk data ${element.BulkDataURI}, which no part of the request carries`);
    if (value.kind === 'frames' && key !== PIXEL_DATA) throw malformed(`${tagLabel(tag)} names compressed bulk data; only Pixel Data can be compressed`);
    bulk.push({ tag, vr: element.vr, value });
  }
  bulk.sort((a, b) => a.tag - b.tag);

  const compressed = bulk.find((b) => b.value.kind === 'frames')?.value as Extract<BulkDataValue, { kind: 'frames' }> | undefined;
  if (compressed) {
    const declared = Number(dataset[tagKey(Tags.NumberOfFrames)]?.Value?.[0] ?? 1);
    if (declared !== compressed.frames.length) {
      throw malformed(`Pixel Data has ${compressed.frames.length} compressed frame(s) but Number of Frames is ${declared}`);
    }
  }
  const own = dataset[SPECIFIC_CHARACTER_SET];
  const encode = characterSetEncoder(own === undefined ? undefined : (own.Value ?? []).map((v) => (typeof v === 'string' ? v : '')));
  // The inline attributes between two bulk data elements are encoded now, so that a value that cannot be
  // encoded fails the instance before any byte is sent.
  const runs: Buffer[] = [];
  let from = 0;
  for (const b of [...bulk, undefined]) {
    const to = b ? b.tag : Infinity;
    const run: DicomJsonDataset = {};
    for (const [key, element] of Object.entries(inline)) {
      const tag = parseTagKey(key) as Tag;
      if (tag >= from && tag < to) run[key] = element;
    }
    runs.push(encodeJsonDataset(run, EXPLICIT_VR_LITTLE_ENDIAN, encode));
    if (b) from = b.tag + 1;
  }

  return {
    transferSyntaxUID: compressed ? compressed.transferSyntaxUID : TransferSyntaxUIDs.ExplicitVRLittleEndian,
    bytes: async function* () {
      for (let i = 0; i < runs.length; i++) {
        yield runs[i] as Buffer;
        const b = bulk[i];
        if (!b) continue;
        if (b.value.kind === 'native') yield* nativeElement(b.tag, b.vr, b.value.source);
        else yield* encapsulatedPixelData(b.value.frames);
      }
    },
  };
}

// PS3.5 7.1.2: an Explicit VR element; values are padded to even length (PS3.5 7.1.1).
async function* nativeElement(tag: Tag, vr: VR, source: BulkDataSource): AsyncGenerator<Buffer> {
  const padded = source.sizeBytes + (source.sizeBytes % 2);
  const long = hasLongLength(vr);
  if (padded > (long ? UNDEFINED_LENGTH - 1 : 0xffff)) throw malformed(`${tagLabel(tag)} (${vr}) has ${source.sizeBytes} bytes of bulk data, more than its length field can hold`);
  yield explicitLittleEndianHeader(tag, vr, padded);
  yield* exactly(source, tagLabel(tag));
  if (padded !== source.sizeBytes) yield Buffer.from([0]);
}

// PS3.5 A.4: Pixel Data of undefined length, a Basic Offset Table item, one fragment item per frame
// (PS3.5 A.4.1 allows it, and it makes every frame addressable), and a Sequence Delimitation Item.
async function* encapsulatedPixelData(frames: readonly BulkDataSource[]): AsyncGenerator<Buffer> {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0x00107fe0, 0);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(UNDEFINED_LENGTH, 8);
  yield header;
  // The table's offsets are 32-bit; past 4 GiB of fragments it is left empty, as PS3.5 A.4 permits.
  const offsets: number[] = [];
  let offset = 0;
  for (const frame of frames) {
    offsets.push(offset);
    offset += 8 + frame.sizeBytes + (frame.sizeBytes % 2);
  }
  const table = offset <= UNDEFINED_LENGTH ? offsets : [];
  const bot = Buffer.alloc(8 + 4 * table.length);
  bot.writeUInt32LE(0xe000fffe, 0);
  bot.writeUInt32LE(4 * table.length, 4);
  table.forEach((o, i) => bot.writeUInt32LE(o, 8 + 4 * i));
  yield bot;
  for (const [i, frame] of frames.entries()) {
    const item = Buffer.alloc(8);
    item.writeUInt32LE(0xe000fffe, 0);
    item.writeUInt32LE(frame.sizeBytes + (frame.sizeBytes % 2), 4);
    yield item;
    yield* exactly(frame, `frame ${i + 1}`);
    // A fragment has even length (PS3.5 A.4); JPEG family decoders ignore a trailing pad byte.
    if (frame.sizeBytes % 2) yield Buffer.from([0]);
  }
  const end = Buffer.alloc(8);
  end.writeUInt32LE(0xe0ddfffe, 0);
  yield end;
}

// The header announced sizeBytes; a source that yields another count would corrupt the data set.
async function* exactly(source: BulkDataSource, what: string): AsyncGenerator<Buffer> {
  let seen = 0;
  for await (const chunk of source.open()) {
    seen += chunk.length;
    if (seen > source.sizeBytes) break;
    yield chunk;
  }
  if (seen !== source.sizeBytes) throw malformed(`The bulk data of ${what} changed size while it was read`);
}

function malformed(message: string): DicomError {
  return new DicomError(DicomErrorCode.MalformedDataset, message);
}
