import { deflateRawSync } from 'node:zlib';
import {
  DatasetParser,
  DicomJsonBuilder,
  encodeDataset,
  encodeFileMeta,
  lookupTransferSyntax,
  readFileMeta,
  stringValue,
  TransferSyntaxUIDs,
  type DicomJsonDataset,
  type ElementSpec,
  type TransferSyntax,
} from '@tessera/dicom';
import { DeidErrorCode } from './deid.error';
import { deidentifyPart10 } from './deidentify-part10.use-case';
import { MemoryUidMapper } from './memory-uid-mapper.adapter';
import { DeidOption } from './profile/deid-option';

const SOP = '1.2.826.0.1.3680043.2.1125.9.1';
const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const PIXELS = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);

function elements(): ElementSpec[] {
  return [
    { tag: 0x00080016, value: CT_IMAGE },
    { tag: 0x00080018, value: SOP },
    { tag: 0x00100010, value: 'Doe^Jane' },
    { tag: 0x00100020, value: 'PID-1' },
    { tag: 0x00280010, value: [2] },
    { tag: 0x00280011, value: [2] },
    { tag: 0x00280100, value: [16] },
    { tag: 0x00880200, value: [[{ tag: 0x7fe00010, vr: 'OW', value: Buffer.alloc(2048, 7) }]] }, // icon image: X
    { tag: 0x00290010, value: 'VENDOR' },
    { tag: 0x00291001, vr: 'LO', value: 'private' },
  ];
}

function part10(tsUid: string, body: Buffer): Buffer {
  return Buffer.concat([encodeFileMeta({ mediaStorageSOPClassUID: CT_IMAGE, mediaStorageSOPInstanceUID: SOP, transferSyntaxUID: tsUid }), body]);
}

function nativeFile(tsUid: string): Buffer {
  const ts = lookupTransferSyntax(tsUid) as TransferSyntax;
  return part10(tsUid, encodeDataset([...elements(), { tag: 0x7fe00010, vr: 'OW', value: PIXELS }], ts));
}

function encapsulatedFile(): Buffer {
  const ts = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRLittleEndian) as TransferSyntax;
  const head = encodeDataset(elements(), ts);
  const pixel = Buffer.concat([
    Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff]),
    Buffer.from([0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0]), // empty Basic Offset Table
    Buffer.from([0xfe, 0xff, 0x00, 0xe0, 8, 0, 0, 0]),
    PIXELS,
    Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]),
  ]);
  return part10('1.2.840.10008.1.2.4.50', Buffer.concat([head, pixel]));
}

/** Reads a Part 10 file back with libs/dicom's parser, every value inline, pixel data as its bytes. */
function readBack(bytes: Buffer): { meta: ReturnType<typeof readFileMeta>; dataset: DicomJsonDataset; pixels: Buffer[] } {
  const result = readFileMeta(bytes, true);
  const ts = lookupTransferSyntax(result?.meta.transferSyntaxUID ?? '') as TransferSyntax;
  const body = bytes.subarray(result?.datasetOffset);
  const pixels: Buffer[] = [];
  const builder = new DicomJsonBuilder(
    (ref) => {
      pixels.push(body.subarray(ref.offset, ref.offset + ref.length));
      return 'pixels';
    },
    { binaryBytes: Number.MAX_SAFE_INTEGER, otherBytes: Number.MAX_SAFE_INTEGER },
  );
  const parser = new DatasetParser(ts, builder);
  parser.push(body);
  parser.end();
  return { meta: result, dataset: builder.dataset, pixels };
}

describe('deidentifyPart10', () => {
  it.each([TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ImplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRBigEndian])(
    'writes a %s file with a new File Meta Information and the pixel data as it was',
    async (tsUid) => {
      const out = await deidentifyPart10(nativeFile(tsUid), { uidMapper: new MemoryUidMapper() });
      const back = readBack(out.bytes);
      expect(out.transferSyntaxUID).toBe(tsUid);
      expect(back.meta?.meta.transferSyntaxUID).toBe(tsUid);
      expect(back.meta?.meta.mediaStorageSOPInstanceUID).toBe(out.sopInstanceUID);
      expect(stringValue(back.dataset, '00080018')).toBe(out.sopInstanceUID);
      expect(out.sopInstanceUID).not.toBe(SOP);
      expect(back.dataset['00100010']).toEqual({ vr: 'PN' });
      expect(back.dataset['00880200']).toBeUndefined();
      expect(back.dataset['00291001']).toBeUndefined();
      expect(stringValue(back.dataset, '00120062')).toBe('YES');
      expect(back.pixels).toEqual([PIXELS]);
    },
  );

  it('copies encapsulated pixel data item by item', async () => {
    const input = encapsulatedFile();
    const out = await deidentifyPart10(input, { uidMapper: new MemoryUidMapper() });
    const tail = (b: Buffer): Buffer => b.subarray(b.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42])));
    expect(tail(out.bytes).equals(tail(input))).toBe(true);
    expect(readBack(out.bytes).dataset['00100020']).toEqual({ vr: 'LO', Value: ['ANONYMIZED'] });
  });

  it('writes a deflated file as Explicit VR Little Endian', async () => {
    const ts = lookupTransferSyntax(TransferSyntaxUIDs.ExplicitVRLittleEndian) as TransferSyntax;
    const input = part10(TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian, deflateRawSync(encodeDataset([...elements(), { tag: 0x7fe00010, vr: 'OW', value: PIXELS }], ts)));
    const out = await deidentifyPart10(input, { uidMapper: new MemoryUidMapper() });
    expect(out.transferSyntaxUID).toBe(TransferSyntaxUIDs.ExplicitVRLittleEndian);
    expect(readBack(out.bytes).pixels).toEqual([PIXELS]);
  });

  it('keeps the Media Storage SOP Instance UID with Retain UIDs', async () => {
    const out = await deidentifyPart10(nativeFile(TransferSyntaxUIDs.ExplicitVRLittleEndian), { uidMapper: new MemoryUidMapper(), options: [DeidOption.RetainUIDs] });
    expect(readBack(out.bytes).meta?.meta.mediaStorageSOPInstanceUID).toBe(SOP);
  });

  it('refuses what is not a Part 10 file', async () => {
    await expect(deidentifyPart10(Buffer.from('not dicom'), { uidMapper: new MemoryUidMapper() })).rejects.toMatchObject({ code: DeidErrorCode.UnreadableInput });
  });
});
