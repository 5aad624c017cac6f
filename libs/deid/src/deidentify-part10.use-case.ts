import { inflateRawSync } from 'node:zlib';
import {
  characterSetDecoder,
  characterSetEncoder,
  DatasetParser,
  DicomError,
  DicomJsonBuilder,
  encodeFileMeta,
  encodeJsonDataset,
  EXPLICIT_VR_LITTLE_ENDIAN,
  hasLongLength,
  lookupTransferSyntax,
  parseTagKey,
  readFileMeta,
  stringValue,
  stringValues,
  Tags,
  toJsonElement,
  type BulkDataReference,
  type DatasetVisitor,
  type DicomJsonDataset,
  type DicomJsonElement,
  type ElementHeader,
  type FileMeta,
  type Tag,
  type TransferSyntax,
} from '@tessera/dicom';
import { DeidError, DeidErrorCode } from './deid.error';
import { deidentifyDataset, type DeidentifyRequest } from './deidentify-dataset.use-case';
import { DeidOption } from './profile/deid-option';

/** A de-identified instance: its Part 10 bytes and what a caller needs to file it. */
export interface DeidentifiedInstance {
  /** The Part 10 file: a new File Meta Information, then the de-identified data set. */
  readonly bytes: Buffer;
  /** The de-identified data set in the DICOM JSON model, pixel data left as a BulkDataURI. */
  readonly dataset: DicomJsonDataset;
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly transferSyntaxUID: string;
}

interface Bulk {
  readonly ref: BulkDataReference;
  readonly encapsulated: boolean;
}

const BULK_PREFIX = 'bulk:';
const PIXEL_TAGS: ReadonlySet<Tag> = new Set([Tags.PixelData, Tags.FloatPixelData, Tags.DoubleFloatPixelData]);

/**
 * De-identifies a Part 10 file (PS3.10 7) with the Basic Application Level Confidentiality Profile and
 * the chosen options (see deidentifyDataset), and writes it back in its own transfer syntax (a deflated
 * one as Explicit VR Little Endian) with a new File Meta Information whose Media Storage SOP Instance UID
 * is the replaced SOP Instance UID. Pixel data is copied byte for byte, never decoded: its burned-in text
 * is not cleaned, which is why objects with Burned In Annotation YES are refused. The file is held in
 * memory whole. Throws DeidError.
 */
export async function deidentifyPart10(input: Buffer, request: DeidentifyRequest): Promise<DeidentifiedInstance> {
  const { meta, body, ts, outputTs } = openPart10(input);
  const bulks = new Map<string, Bulk>();
  const dataset = parseDataset(body, ts, bulks);

  const out = await deidentifyDataset(dataset, request);
  inlineNestedBulkData(out, body, bulks, ts.littleEndian, true);

  const retained = new Set(request.options ?? []).has(DeidOption.RetainUIDs);
  const sopInstanceUID =
    stringValue(out, '00080018') ?? (retained ? meta.mediaStorageSOPInstanceUID : (await request.uidMapper.mapUids([meta.mediaStorageSOPInstanceUID])).get(meta.mediaStorageSOPInstanceUID));
  if (sopInstanceUID === undefined) throw new DeidError(DeidErrorCode.UnwritableOutput, 'The UID mapper gave no replacement for the Media Storage SOP Instance UID');
  const sopClassUID = stringValue(out, '00080016') ?? meta.mediaStorageSOPClassUID;
  const header = encodeFileMeta({ mediaStorageSOPClassUID: sopClassUID, mediaStorageSOPInstanceUID: sopInstanceUID, transferSyntaxUID: outputTs.uid });
  const bytes = Buffer.concat([header, encodeWithBulkData(out, body, bulks, outputTs)]);
  return { bytes, dataset: out, sopClassUID, sopInstanceUID, transferSyntaxUID: outputTs.uid };
}

function openPart10(input: Buffer): { meta: FileMeta; body: Buffer; ts: TransferSyntax; outputTs: TransferSyntax } {
  let parsed;
  try {
    parsed = readFileMeta(input, true);
  } catch (e) {
    throw unreadable(e);
  }
  if (!parsed) throw new DeidError(DeidErrorCode.UnreadableInput, 'The File Meta Information is truncated');
  const { meta, datasetOffset } = parsed;
  const declared = lookupTransferSyntax(meta.transferSyntaxUID);
  if (!declared) throw new DeidError(DeidErrorCode.UnreadableInput, `The transfer syntax ${meta.transferSyntaxUID} is not one a data set can be read in`);
  if (!declared.deflated) return { meta, body: input.subarray(datasetOffset), ts: declared, outputTs: declared };
  // PS3.5 A.5: the data set after the File Meta Information is Explicit VR Little Endian, deflated (RFC 1951).
  try {
    return { meta, body: inflateRawSync(input.subarray(datasetOffset)), ts: EXPLICIT_VR_LITTLE_ENDIAN, outputTs: EXPLICIT_VR_LITTLE_ENDIAN };
  } catch (e) {
    throw unreadable(e);
  }
}

function parseDataset(body: Buffer, ts: TransferSyntax, bulks: Map<string, Bulk>): DicomJsonDataset {
  const encapsulatedAt = new Set<number>();
  // Every value inline except pixel data, which the builder always leaves as a reference to its bytes.
  const builder = new DicomJsonBuilder(
    (ref) => {
      const uri = `${BULK_PREFIX}${bulks.size}`;
      bulks.set(uri, { ref, encapsulated: encapsulatedAt.has(ref.offset) });
      return uri;
    },
    { binaryBytes: Number.MAX_SAFE_INTEGER, otherBytes: Number.MAX_SAFE_INTEGER },
  );
  const visitor: DatasetVisitor = {
    wantsValue: (h) => builder.wantsValue(h),
    element: (h, v) => builder.element(h, v),
    sequenceStart: (h) => builder.sequenceStart(h),
    itemStart: () => builder.itemStart(),
    itemEnd: () => builder.itemEnd(),
    sequenceEnd: () => builder.sequenceEnd(),
    encapsulatedStart: (h: ElementHeader) => {
      encapsulatedAt.add(h.valueOffset);
      builder.encapsulatedStart(h);
    },
    fragment: (offset, length) => builder.fragment(offset, length),
    encapsulatedEnd: () => builder.encapsulatedEnd(),
  };
  try {
    const parser = new DatasetParser(ts, visitor);
    parser.push(body);
    parser.end();
  } catch (e) {
    throw unreadable(e);
  }
  return builder.dataset;
}

/**
 * Pixel data below the top level (an icon image the profile kept, pixel data in a kept sequence) is
 * written inline: the JSON encoder has no bulk data. Native values are read from the original bytes;
 * encapsulated ones cannot be expressed inline and are refused.
 */
function inlineNestedBulkData(dataset: DicomJsonDataset, body: Buffer, bulks: ReadonlyMap<string, Bulk>, littleEndian: boolean, topLevel: boolean): void {
  const decode = characterSetDecoder(stringValues(dataset, '00080005'));
  for (const [key, element] of Object.entries(dataset)) {
    if (element.vr === 'SQ') {
      for (const item of (element.Value ?? []) as DicomJsonDataset[]) inlineNestedBulkData(item, body, bulks, littleEndian, false);
      continue;
    }
    const bulk = element.BulkDataURI === undefined ? undefined : bulks.get(element.BulkDataURI);
    if (bulk === undefined || (topLevel && PIXEL_TAGS.has(bulk.ref.tag))) continue;
    if (bulk.encapsulated) throw new DeidError(DeidErrorCode.UnwritableOutput, `${key} holds encapsulated pixel data inside a sequence, which cannot be rewritten`);
    const value = body.subarray(bulk.ref.offset, bulk.ref.offset + bulk.ref.length);
    dataset[key] = toJsonElement({ vr: element.vr, littleEndian }, value, decode);
  }
}

/**
 * Encodes the de-identified data set in the output transfer syntax. Top-level pixel data is copied from
 * the original bytes as it was (native values, or the items of encapsulated Pixel Data with its Basic
 * Offset Table, PS3.5 A.4), between the runs of elements the JSON encoder writes.
 */
function encodeWithBulkData(dataset: DicomJsonDataset, body: Buffer, bulks: ReadonlyMap<string, Bulk>, ts: TransferSyntax): Buffer {
  const encode = characterSetEncoder(stringValues(dataset, '00080005'));
  const chunks: Buffer[] = [];
  let run: DicomJsonDataset = {};
  const flush = (): void => {
    if (Object.keys(run).length === 0) return;
    try {
      chunks.push(encodeJsonDataset(run, ts, encode));
    } catch (e) {
      if (e instanceof DicomError) throw new DeidError(DeidErrorCode.UnwritableOutput, e.message);
      throw e;
    }
    run = {};
  };
  const keys = Object.keys(dataset).sort();
  for (const key of keys) {
    const element = dataset[key] as DicomJsonElement;
    const bulk = element.BulkDataURI === undefined ? undefined : bulks.get(element.BulkDataURI);
    if (bulk === undefined) {
      run[key] = element;
      continue;
    }
    flush();
    chunks.push(rawElement(parseTagKey(key) as Tag, element, bulk, body, ts));
  }
  flush();
  return Buffer.concat(chunks);
}

function rawElement(tag: Tag, element: DicomJsonElement, bulk: Bulk, body: Buffer, ts: TransferSyntax): Buffer {
  const value = body.subarray(bulk.ref.offset, bulk.ref.offset + bulk.ref.length);
  if (bulk.encapsulated) {
    // PS3.5 A.4: OB with undefined length, the items as they were, then a Sequence Delimitation Item.
    const header = Buffer.alloc(12);
    header.writeUInt16LE(tag >>> 16, 0);
    header.writeUInt16LE(tag & 0xffff, 2);
    header.write('OB', 4, 'latin1');
    header.writeUInt32LE(0xffffffff, 8);
    const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    return Buffer.concat([header, value, delimiter]);
  }
  const le = ts.littleEndian;
  const long = !ts.explicitVR || hasLongLength(element.vr);
  const header = Buffer.alloc(ts.explicitVR && long ? 12 : 8);
  if (le) {
    header.writeUInt16LE(tag >>> 16, 0);
    header.writeUInt16LE(tag & 0xffff, 2);
  } else {
    header.writeUInt16BE(tag >>> 16, 0);
    header.writeUInt16BE(tag & 0xffff, 2);
  }
  if (ts.explicitVR) header.write(element.vr, 4, 'latin1');
  if (long) {
    if (le) header.writeUInt32LE(value.length, header.length - 4);
    else header.writeUInt32BE(value.length, header.length - 4);
  } else if (le) header.writeUInt16LE(value.length, 6);
  else header.writeUInt16BE(value.length, 6);
  return Buffer.concat([header, value]);
}

function unreadable(e: unknown): DeidError {
  return new DeidError(DeidErrorCode.UnreadableInput, e instanceof Error ? e.message : String(e));
}
