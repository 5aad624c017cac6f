import { encodeDataset, encodeFileMeta, EXPLICIT_VR_LITTLE_ENDIAN, generateUid, TransferSyntaxUIDs, type ElementSpec } from '@tessera/dicom';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** A generated CT study on disk: Part 10 files of rows x columns 16-bit pixels each. */
export interface SyntheticStudy {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly files: readonly string[];
}

/**
 * Writes a CT study of `count` instances into `dir` (512 x 512 x 16 bit by default: 0.5 MB each, the
 * size of a typical CT slice). Pixel values differ per instance, so no two objects are the same. With
 * `texture`, every pixel gets a 12-bit value of its own, so that compressing and decoding them is a test.
 */
export function writeSyntheticStudy(dir: string, count: number, options: { rows?: number; columns?: number; patientId?: string; accessionNumber?: string; texture?: boolean } = {}): SyntheticStudy {
  fs.mkdirSync(dir, { recursive: true });
  const rows = options.rows ?? 512;
  const columns = options.columns ?? 512;
  const studyInstanceUID = generateUid();
  const seriesInstanceUID = generateUid();
  const pixels = Buffer.alloc(rows * columns * 2);
  const files: string[] = [];
  for (let i = 1; i <= count; i++) {
    const sop = generateUid();
    if (options.texture) for (let p = 0; p < rows * columns; p++) pixels.writeUInt16LE((p * 37 + i * 101 + ((p * p) >> 3)) & 0xfff, p * 2);
    pixels.writeUInt32LE(i, 0);
    const elements: ElementSpec[] = [
      { tag: 0x00080008, value: 'ORIGINAL\\PRIMARY\\AXIAL' },
      { tag: 0x00080016, value: CT_IMAGE_STORAGE },
      { tag: 0x00080018, value: sop },
      { tag: 0x00080020, value: '20250101' },
      { tag: 0x00080030, value: '120000' },
      { tag: 0x00080050, value: options.accessionNumber ?? 'ACC0001' },
      { tag: 0x00080060, value: 'CT' },
      { tag: 0x00081030, value: 'Synthetic chest CT' },
      { tag: 0x00100010, value: 'Synthetic^Patient' },
      { tag: 0x00100020, value: options.patientId ?? 'SYN-0001' },
      { tag: 0x0020000d, value: studyInstanceUID },
      { tag: 0x0020000e, value: seriesInstanceUID },
      { tag: 0x00200011, value: '1' },
      { tag: 0x00200013, value: String(i) },
      { tag: 0x00280002, vr: 'US', value: [1] },
      { tag: 0x00280004, value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: [rows] },
      { tag: 0x00280011, vr: 'US', value: [columns] },
      { tag: 0x00280100, vr: 'US', value: [16] },
      { tag: 0x00280101, vr: 'US', value: [12] },
      { tag: 0x00280102, vr: 'US', value: [11] },
      { tag: 0x00280103, vr: 'US', value: [0] },
      { tag: 0x7fe00010, vr: 'OW', value: pixels },
    ];
    const file = path.join(dir, `CT${String(i).padStart(5, '0')}.dcm`);
    fs.writeFileSync(
      file,
      Buffer.concat([encodeFileMeta({ mediaStorageSOPClassUID: CT_IMAGE_STORAGE, mediaStorageSOPInstanceUID: sop, transferSyntaxUID: TransferSyntaxUIDs.ExplicitVRLittleEndian }), encodeDataset(elements, EXPLICIT_VR_LITTLE_ENDIAN)]),
    );
    files.push(file);
  }
  return { studyInstanceUID, seriesInstanceUID, files };
}
