import { DicomError } from '../errors';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import type { DicomJsonDataset } from '../json/dicom-json';
import { DatasetParser, type DatasetVisitor } from '../parser/dataset-parser';
import { EXPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '../transfer-syntax';
import { streamJsonWithBulkData, type BulkDataSource, type BulkDataValue } from './json-bulk-dataset';

const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';

function source(bytes: Buffer): BulkDataSource {
  // Two chunks, so that nothing depends on a value arriving whole.
  return { sizeBytes: bytes.length, open: async function* () { yield bytes.subarray(0, 3); yield bytes.subarray(3); } };
}

async function collect(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of iterable) chunks.push(c);
  return Buffer.concat(chunks);
}

function parse(bytes: Buffer, ts: TransferSyntax): { dataset: DicomJsonDataset; ranges: Map<string, { offset: number; length: number }> } {
  const ranges = new Map<string, { offset: number; length: number }>();
  const builder = new DicomJsonBuilder((ref) => {
    ranges.set(`${ref.offset}`, { offset: ref.offset, length: ref.length });
    return `${ref.offset}`;
  });
  const parser = new DatasetParser(ts, builder);
  parser.push(bytes);
  parser.end();
  return { dataset: builder.dataset, ranges };
}

const metadata = (pixelData: object, extra: DicomJsonDataset = {}): DicomJsonDataset => ({
  '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2'] },
  '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
  '00080018': { vr: 'UI', Value: ['1.2.826.0.9.1'] },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] },
  '00280010': { vr: 'US', Value: [2] },
  '00280011': { vr: 'US', Value: [3] },
  '7FE00010': pixelData as DicomJsonDataset[string],
  '7FE10010': { vr: 'LO', Value: ['after the pixels'] },
  ...extra,
});

describe('streamJsonWithBulkData (STOW-RS metadata and bulk data, PS3.18 10.5.1)', () => {
  it('writes native bulk data in place, padded to even length, as Explicit VR Little Endian without group 0002', async () => {
    const pixels = Buffer.from([1, 2, 3, 4, 5, 6, 7]);
    const out = streamJsonWithBulkData(metadata({ vr: 'OB', BulkDataURI: 'pixels' }), (uri) => (uri === 'pixels' ? { kind: 'native', source: source(pixels) } : undefined));
    expect(out.transferSyntaxUID).toBe(TransferSyntaxUIDs.ExplicitVRLittleEndian);
    const bytes = await collect(out.bytes());
    const { dataset, ranges } = parse(bytes, EXPLICIT_VR_LITTLE_ENDIAN);
    expect(dataset['00020010']).toBeUndefined();
    expect(dataset['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane' }] });
    expect(dataset['7FE10010']).toEqual({ vr: 'LO', Value: ['after the pixels'] });
    const range = ranges.get(dataset['7FE00010']?.BulkDataURI as string) as { offset: number; length: number };
    expect(bytes.subarray(range.offset, range.offset + range.length)).toEqual(Buffer.concat([pixels, Buffer.from([0])]));
    // The bytes can be produced again: a retry reads the sources anew.
    expect(await collect(out.bytes())).toEqual(bytes);
  });

  it('encapsulates compressed frames one fragment per frame, with a Basic Offset Table (PS3.5 A.4)', async () => {
    const frames = [Buffer.from([0xff, 0xd8, 1, 0xff, 0xd9]), Buffer.from([0xff, 0xd8, 2, 2, 0xff, 0xd9])];
    const value: BulkDataValue = { kind: 'frames', transferSyntaxUID: JPEG_BASELINE, frames: frames.map(source) };
    const out = streamJsonWithBulkData(metadata({ vr: 'OB', BulkDataURI: 'frames' }, { '00280008': { vr: 'IS', Value: [2] } }), () => value);
    expect(out.transferSyntaxUID).toBe(JPEG_BASELINE);
    const bytes = await collect(out.bytes());
    const fragments: Buffer[] = [];
    const none = (): void => undefined;
    const visitor: DatasetVisitor = {
      wantsValue: () => false,
      element: none,
      sequenceStart: none,
      itemStart: none,
      itemEnd: none,
      sequenceEnd: none,
      encapsulatedStart: none,
      encapsulatedEnd: none,
      fragment: (offset, length) => fragments.push(bytes.subarray(offset, offset + length)),
    };
    const parser = new DatasetParser(lookupTransferSyntax(JPEG_BASELINE) as TransferSyntax, visitor);
    parser.push(bytes);
    parser.end();
    // The first item is the Basic Offset Table: frame 2 starts 8 + 6 bytes after frame 1's item.
    expect(fragments.map((f) => [...f])).toEqual([[0, 0, 0, 0, 14, 0, 0, 0], [...frames[0] as Buffer, 0], [...frames[1] as Buffer]]);
  });

  it('refuses a BulkDataURI that names no part, bulk data in a sequence item, and a frame count that differs from Number of Frames', () => {
    const none = () => undefined;
    expect(() => streamJsonWithBulkData(metadata({ vr: 'OB', BulkDataURI: 'nowhere' }), none)).toThrow(/nowhere, which no part/);
    const nested = metadata({ vr: 'OB', InlineBinary: 'AAA=' }, { '00081140': { vr: 'SQ', Value: [{ '00091001': { vr: 'OB', BulkDataURI: 'x' } }] } });
    expect(() => streamJsonWithBulkData(nested, none)).toThrow(DicomError);
    const one: BulkDataValue = { kind: 'frames', transferSyntaxUID: JPEG_BASELINE, frames: [source(Buffer.from([1, 2, 3, 4]))] };
    expect(() => streamJsonWithBulkData(metadata({ vr: 'OB', BulkDataURI: 'f' }, { '00280008': { vr: 'IS', Value: [3] } }), () => one)).toThrow(/1 compressed frame\(s\) but Number of Frames is 3/);
  });
});
