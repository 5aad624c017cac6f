import { DicomError } from '../errors';
import { encodeFileMeta, readFileMeta } from './part10';

describe('Part 10 File Meta Information', () => {
  const meta = { mediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', mediaStorageSOPInstanceUID: '1.2.3.4.5', transferSyntaxUID: '1.2.840.10008.1.2', sourceApplicationEntityTitle: 'CT01' };

  it('reads back what it writes, and finds where the data set starts', () => {
    const header = encodeFileMeta(meta);
    const result = readFileMeta(Buffer.concat([header, Buffer.from([8, 0, 0x16, 0])]), true);
    expect(result?.meta).toMatchObject(meta);
    expect(result?.datasetOffset).toBe(header.length);
  });

  it('asks for more bytes while the header is incomplete, and refuses what is not Part 10', () => {
    const header = encodeFileMeta(meta);
    expect(readFileMeta(header.subarray(0, 150))).toBeUndefined();
    expect(() => readFileMeta(header.subarray(0, 150), true)).toThrow(DicomError);
    expect(() => readFileMeta(Buffer.alloc(200), true)).toThrow(/DICM/);
  });
});
