import { Readable } from 'node:stream';
import { deflateRawSync } from 'node:zlib';
import { DicomJsonBuilder } from '../json/dicom-json-builder';
import { DatasetParser } from '../parser/dataset-parser';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, lookupTransferSyntax, TransferSyntaxUIDs, type TransferSyntax } from '../transfer-syntax';
import { encodeDataset, type ElementSpec } from '../writer/dataset-writer';
import { toExplicitLittleEndian, toImplicitLittleEndian } from './native-transcoder';

const pixels = Buffer.alloc(200_000);
for (let i = 0; i < pixels.length / 2; i++) pixels.writeUInt16LE(i % 4096, i * 2);
const elements: ElementSpec[] = [
  { tag: 0x00080016, value: '1.2.840.10008.5.1.4.1.1.4' },
  { tag: 0x00100010, value: 'Big^Endian' },
  { tag: 0x00280010, vr: 'US', value: [100] },
  { tag: 0x00281050, value: '40\\80' },
  { tag: 0x00400275, vr: 'SQ', value: [[{ tag: 0x00401001, value: 'RP1' }, { tag: 0x00280011, vr: 'US', value: [7] }]] },
  { tag: 0x7fe00010, vr: 'OW', value: pixels },
];

function wordsBigEndian(): Buffer {
  const b = Buffer.from(pixels);
  b.swap16();
  return b;
}

async function transcode(data: Buffer, ts: TransferSyntax, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of Readable.from(parts).pipe(toExplicitLittleEndian(ts))) out.push(c as Buffer);
  return Buffer.concat(out);
}

function json(data: Buffer) {
  const builder = new DicomJsonBuilder((r) => `${r.length}`);
  const parser = new DatasetParser(EXPLICIT_VR_LITTLE_ENDIAN, builder);
  parser.push(data);
  parser.end();
  return builder.dataset;
}

describe('toExplicitLittleEndian', () => {
  const expected = json(encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN));

  it('re-encodes Implicit VR Little Endian with the same values and pixel bytes', async () => {
    const out = await transcode(encodeDataset(elements, IMPLICIT_VR_LITTLE_ENDIAN), IMPLICIT_VR_LITTLE_ENDIAN, 999);
    expect(json(out)).toEqual(expected);
    expect(out.subarray(out.length - pixels.length)).toEqual(pixels);
  });

  it('re-encodes Explicit VR Big Endian, swapping numbers and words even across odd chunk boundaries', async () => {
    const bigEndian = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRBigEndian) as TransferSyntax;
    const source = encodeDataset(
      elements.map((e) => (e.tag === 0x7fe00010 ? { ...e, value: wordsBigEndian() } : e)),
      bigEndian,
    );
    const out = await transcode(source, bigEndian, 777);
    expect(json(out)).toEqual(expected);
    expect(out.subarray(out.length - pixels.length)).toEqual(pixels);
  });

  it('inflates Deflated Explicit VR Little Endian', async () => {
    const deflated = lookupTransferSyntax(TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian) as TransferSyntax;
    const out = await transcode(deflateRawSync(encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN)), deflated, 333);
    expect(json(out)).toEqual(expected);
  });

  it('writes Implicit VR Little Endian too, which reads back to the same values', async () => {
    const bigEndian = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRBigEndian) as TransferSyntax;
    const source = encodeDataset(elements.map((e) => (e.tag === 0x7fe00010 ? { ...e, value: wordsBigEndian() } : e)), bigEndian);
    const parts: Buffer[] = [];
    for await (const c of Readable.from([source]).pipe(toImplicitLittleEndian(bigEndian))) parts.push(c as Buffer);
    const out = Buffer.concat(parts);
    const builder = new DicomJsonBuilder((r) => `${r.length}`);
    const parser = new DatasetParser(IMPLICIT_VR_LITTLE_ENDIAN, builder);
    parser.push(out);
    parser.end();
    expect(builder.dataset).toEqual(expected);
  });

  it('refuses encapsulated transfer syntaxes', () => {
    expect(() => toExplicitLittleEndian(lookupTransferSyntax('1.2.840.10008.1.2.4.50') as TransferSyntax)).toThrow(/codec/);
  });
});
