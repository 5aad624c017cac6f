import { DicomError } from '../errors';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs } from '../transfer-syntax';
import { encodeDataset, type ElementSpec } from '../writer/dataset-writer';
import { DatasetParser, type DatasetVisitor, type ElementHeader } from './dataset-parser';

const BIG_ENDIAN = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRBigEndian);

const elements: ElementSpec[] = [
  { tag: 0x00080005, value: 'ISO_IR 100' },
  { tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: 0x00100010, value: 'Müller^Hans' },
  { tag: 0x00181160, value: 'GRID' },
  { tag: 0x00280010, vr: 'US', value: [2, 3] },
  { tag: 0x00280030, value: '0.5\\0.25' },
  {
    tag: 0x00400275,
    vr: 'SQ',
    value: [[{ tag: 0x00401001, value: 'RP1' }], [{ tag: 0x00401001, value: 'RP2' }, { tag: 0x00321060, value: 'Chest' }]],
  },
  { tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(3000, 1) },
];

/** A visitor of top-level elements only: sequences, items and encapsulated pixel data are passed over. */
function flatVisitor(elements: Pick<DatasetVisitor, 'wantsValue' | 'element' | 'valueBytes'>): DatasetVisitor {
  return {
    ...elements,
    sequenceStart: () => undefined,
    itemStart: () => undefined,
    itemEnd: () => undefined,
    sequenceEnd: () => undefined,
    encapsulatedStart: () => undefined,
    fragment: () => undefined,
    encapsulatedEnd: () => undefined,
  };
}

function parse(data: Buffer, ts = EXPLICIT_VR_LITTLE_ENDIAN, chunk = data.length): DicomJsonBuilder {
  const builder = new DicomJsonBuilder((r) => `bulk/${r.offset}-${r.length}`);
  const parser = new DatasetParser(ts, builder);
  for (let i = 0; i < data.length; i += chunk) parser.push(data.subarray(i, i + chunk));
  parser.end();
  return builder;
}

describe('DatasetParser with DicomJsonBuilder', () => {
  it('gives the same DICOM JSON whatever the chunk sizes, in every native transfer syntax', () => {
    const expected = parse(encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN)).dataset;
    expect(expected['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'MÃ¼ller^Hans' }] });
    expect(expected['00280010']).toEqual({ vr: 'US', Value: [2, 3] });
    expect(expected['00280030']).toEqual({ vr: 'DS', Value: [0.5, 0.25] });
    expect(expected['00400275']?.Value).toEqual([
      { '00401001': { vr: 'SH', Value: ['RP1'] } },
      { '00321060': { vr: 'LO', Value: ['Chest'] }, '00401001': { vr: 'SH', Value: ['RP2'] } },
    ]);
    for (const chunk of [1, 3, 7, 64, 1000]) {
      expect(parse(encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN), EXPLICIT_VR_LITTLE_ENDIAN, chunk).dataset).toEqual(expected);
    }
    // Other encodings put the pixel data at other offsets; everything else is the same.
    const withoutBulk = ({ '7FE00010': pixels, ...rest }: typeof expected) => ({ rest, vr: pixels?.vr });
    const implicit = parse(encodeDataset(elements, IMPLICIT_VR_LITTLE_ENDIAN), IMPLICIT_VR_LITTLE_ENDIAN, 5).dataset;
    expect(withoutBulk(implicit)).toEqual(withoutBulk(expected));
    const big = parse(encodeDataset(elements, BIG_ENDIAN as NonNullable<typeof BIG_ENDIAN>), BIG_ENDIAN, 11).dataset;
    expect(withoutBulk(big)).toEqual(withoutBulk(expected));
  });

  it('records the byte range of a skipped value so that it can be served as bulk data', () => {
    const data = encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN);
    const uri = parse(data).dataset['7FE00010']?.BulkDataURI as string;
    const [offset, length] = uri.slice('bulk/'.length).split('-').map(Number) as [number, number];
    expect(length).toBe(3000);
    expect(data.subarray(offset, offset + length)).toEqual(Buffer.alloc(3000, 1));
  });

  it('walks undefined-length sequences and items, and encapsulated pixel data fragments', () => {
    const le = (n: number, size: number) => {
      const b = Buffer.alloc(size);
      if (size === 2) b.writeUInt16LE(n);
      else b.writeUInt32LE(n);
      return b;
    };
    const tag = (g: number, e: number) => Buffer.concat([le(g, 2), le(e, 2)]);
    const data = Buffer.concat([
      // (0040,0275) SQ undefined length, one undefined-length item
      tag(0x0040, 0x0275), Buffer.from('SQ'), Buffer.alloc(2), le(0xffffffff, 4),
      tag(0xfffe, 0xe000), le(0xffffffff, 4),
      tag(0x0040, 0x1001), Buffer.from('SH'), le(4, 2), Buffer.from('RP1 '),
      tag(0xfffe, 0xe00d), le(0, 4),
      tag(0xfffe, 0xe0dd), le(0, 4),
      // (7FE0,0010) OB undefined length: empty offset table, two fragments
      tag(0x7fe0, 0x0010), Buffer.from('OB'), Buffer.alloc(2), le(0xffffffff, 4),
      tag(0xfffe, 0xe000), le(0, 4),
      tag(0xfffe, 0xe000), le(4, 4), Buffer.from([1, 2, 3, 4]),
      tag(0xfffe, 0xe000), le(2, 4), Buffer.from([5, 6]),
      tag(0xfffe, 0xe0dd), le(0, 4),
    ]);
    const fragments: number[] = [];
    const visitor = new DicomJsonBuilder((r) => `bulk/${r.offset}-${r.length}`);
    const spy: DatasetVisitor = Object.assign(Object.create(visitor) as DatasetVisitor, {
      fragment: (offset: number, length: number) => {
        fragments.push(length);
        visitor.fragment(offset, length);
      },
    });
    const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, spy);
    for (const b of data) parser.push(Buffer.from([b]));
    parser.end();
    expect(fragments).toEqual([0, 4, 2]);
    expect(visitor.dataset['00400275']?.Value).toEqual([{ '00401001': { vr: 'SH', Value: ['RP1'] } }]);
    expect(visitor.dataset['7FE00010']?.BulkDataURI).toMatch(/^bulk\/\d+-\d+$/);
  });

  it('fails on truncation, bad VRs and items that overrun their sequence', () => {
    const data = encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN);
    expect(() => parse(data.subarray(0, data.length - 1))).toThrow(DicomError);
    const badVR = Buffer.from(data);
    badVR.write('xx', 4, 'latin1');
    expect(() => parse(badVR)).toThrow(/Invalid VR/);
    const seq = encodeDataset([{ tag: 0x00400275, vr: 'SQ', value: [[{ tag: 0x00401001, value: 'RP1' }]] }], EXPLICIT_VR_LITTLE_ENDIAN);
    seq.writeUInt32LE(seq.readUInt32LE(16) + 8, 16); // item length beyond the sequence
    expect(() => parse(seq)).toThrow(DicomError);
  });

  it('hands over only the values a visitor wants', () => {
    const seen: ElementHeader[] = [];
    const values: (Buffer | undefined)[] = [];
    const visitor = flatVisitor({
      wantsValue: (h) => h.length < 100,
      element: (h, v) => {
        seen.push(h);
        values.push(v);
      },
    });
    const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, visitor);
    parser.push(encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN));
    parser.end();
    expect(values.at(-1)).toBeUndefined();
    expect(seen.at(-1)?.length).toBe(3000);
  });

  // A whole-slide level or a long cine run passes 2^31 and 2^32 bytes: every offset after such a value
  // must still be right (no 32-bit arithmetic), or frames and bulk data would be read from the wrong place.
  it('counts offsets past 2^32 while it skips a value of 0xFFFFFFFE bytes, the largest defined length', () => {
    const seen: ElementHeader[] = [];
    let skipped = 0;
    const visitor = flatVisitor({
      wantsValue: (h) => h.length < 100,
      element: (h) => void seen.push(h),
      valueBytes: (chunk) => void (skipped += chunk.length),
    });
    const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, visitor);
    const head = encodeDataset([{ tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.7' }], EXPLICIT_VR_LITTLE_ENDIAN);
    // OW Pixel Data: tag, VR, 2 reserved bytes, 32-bit length (PS3.5 7.1.2).
    const pixelHeader = Buffer.alloc(12);
    pixelHeader.writeUInt32LE(0x00107fe0, 0);
    pixelHeader.write('OW', 4, 'latin1');
    pixelHeader.writeUInt32LE(0xfffffffe, 8);
    parser.push(Buffer.concat([head, pixelHeader]));
    // The value streams by as the same zero-filled 64 MiB, over and over: nothing is held.
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    for (let left = 0xfffffffe; left > 0; left -= zeros.length) parser.push(zeros.subarray(0, Math.min(left, zeros.length)));
    parser.push(encodeDataset([{ tag: 0xfffcfffc, vr: 'OB', value: Buffer.alloc(2) }], EXPLICIT_VR_LITTLE_ENDIAN));
    parser.end();
    const pixelValueOffset = head.length + 12;
    expect(seen.map((h) => [h.tag, h.offset, h.valueOffset, h.length])).toEqual([
      [0x00080016, 0, 8, 26],
      [0x7fe00010, head.length, pixelValueOffset, 0xfffffffe],
      [0xfffcfffc, pixelValueOffset + 0xfffffffe, pixelValueOffset + 0xfffffffe + 12, 2],
    ]);
    expect(skipped).toBe(0xfffffffe);
    expect(parser.offset).toBe(pixelValueOffset + 0xfffffffe + 14);
  });
});
