import { DatasetParser, lookupTransferSyntax, readFileMeta, Tags, type TransferSyntax } from '@tessera/dicom';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A Part 10 file's SOP Instance UID, transfer syntax, and the SHA-256 of its data set. */
export function dataSetOf(file: string | Buffer): { sop: string; transferSyntax: string; sha256: string } {
  const bytes = Buffer.isBuffer(file) ? file : fs.readFileSync(file);
  const { meta, datasetOffset } = readFileMeta(bytes, true) as NonNullable<ReturnType<typeof readFileMeta>>;
  return { sop: meta.mediaStorageSOPInstanceUID, transferSyntax: meta.transferSyntaxUID, sha256: createHash('sha256').update(bytes.subarray(datasetOffset)).digest('hex') };
}

export const byUid = (files: readonly (string | Buffer)[]): Map<string, { transferSyntax: string; sha256: string }> =>
  new Map(files.map((f) => dataSetOf(f)).map(({ sop, transferSyntax, sha256 }) => [sop, { transferSyntax, sha256 }]));

/** A native Part 10 file's Pixel Data value. */
export function pixelDataOf(file: string): Buffer {
  const bytes = fs.readFileSync(file);
  const { meta, datasetOffset } = readFileMeta(bytes, true) as NonNullable<ReturnType<typeof readFileMeta>>;
  let pixels: Buffer | undefined;
  const parser = new DatasetParser(lookupTransferSyntax(meta.transferSyntaxUID) as TransferSyntax, {
    wantsValue: (h) => h.tag === Tags.PixelData,
    element: (h, v) => {
      if (h.tag === Tags.PixelData) pixels = Buffer.from(v as Buffer);
    },
    sequenceStart: () => undefined,
    sequenceEnd: () => undefined,
    itemStart: () => undefined,
    itemEnd: () => undefined,
    encapsulatedStart: () => {
      throw new Error(`${file} has encapsulated Pixel Data`);
    },
    fragment: () => undefined,
    encapsulatedEnd: () => undefined,
  });
  parser.push(bytes.subarray(datasetOffset));
  parser.end();
  if (!pixels) throw new Error(`${file} has no Pixel Data`);
  return pixels;
}

/** The data set of a file re-encoded by DCMTK as Explicit VR Little Endian: equal values, equal bytes. */
export async function asExplicitLittleEndian(file: string, out: string): Promise<string> {
  await run('dcmconv', ['+te', file, out]);
  return dataSetOf(out).sha256;
}
