import { DicomError, DicomErrorCode } from '../errors';
import { DatasetParser } from '../parser/dataset-parser';
import { lookupTransferSyntax } from '../transfer-syntax';
import type { DicomJsonDataset } from './dicom-json';
import { DicomJsonBuilder } from './dicom-json-builder';
import type { Readable } from 'node:stream';

// Identifiers and N-service data sets are small; this bounds what a peer can make us hold.
const MAX_BYTES = 4 * 1024 * 1024;

/** Reads a whole (small) DIMSE data set (an identifier, an N-service attribute list) into DICOM JSON, every value inline. */
export async function readDataSet(stream: Readable, transferSyntaxUID: string): Promise<DicomJsonDataset> {
  const ts = lookupTransferSyntax(transferSyntaxUID);
  if (!ts || ts.encapsulated || ts.deflated) throw new DicomError(DicomErrorCode.UnsupportedTransferSyntax, `Cannot read a data set in ${transferSyntaxUID}`);
  const builder = new DicomJsonBuilder(() => '', { binaryBytes: MAX_BYTES, otherBytes: MAX_BYTES });
  const parser = new DatasetParser(ts, builder);
  let total = 0;
  for await (const chunk of stream) {
    total += (chunk as Buffer).length;
    if (total > MAX_BYTES) throw new DicomError(DicomErrorCode.LimitExceeded, 'The data set is larger than 4 MiB');
    parser.push(chunk as Buffer);
  }
  parser.end();
  return builder.dataset;
}
