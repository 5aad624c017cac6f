import { DicomError, DicomErrorCode, readFileMeta, type FileMeta } from '@tessera/dicom';
import { PassThrough, type Readable } from 'node:stream';

// The File Meta Information is a few hundred bytes; this bounds what a malformed part can make us hold.
const MAX_META_BYTES = 1024 * 1024;

/**
 * Reads the Part 10 header off the front of a stream and returns it with a stream of the data set
 * that follows (PS3.10 7.1). Stream errors reach the returned data set.
 */
export async function splitPart10(file: Readable): Promise<{ meta: FileMeta; dataSet: Readable }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = await nextChunk(file);
    if (chunk === null) {
      const head = Buffer.concat(chunks);
      const result = readFileMeta(head, true) as NonNullable<ReturnType<typeof readFileMeta>>;
      const dataSet = new PassThrough();
      dataSet.end(head.subarray(result.datasetOffset));
      return { meta: result.meta, dataSet };
    }
    chunks.push(chunk);
    total += chunk.length;
    const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
    const result = readFileMeta(head);
    if (result) {
      const dataSet = new PassThrough({ highWaterMark: 1024 * 1024 });
      // A body cut short fails the data set; its reader learns it from the stream itself, and the
      // failure must not surface a second time as an unheard 'error' event.
      dataSet.on('error', () => undefined);
      dataSet.write(head.subarray(result.datasetOffset));
      file.on('error', (err) => dataSet.destroy(err));
      file.pipe(dataSet);
      return { meta: result.meta, dataSet };
    }
    if (total > MAX_META_BYTES) throw new DicomError(DicomErrorCode.MalformedFileMeta, 'The File Meta Information is longer than 1 MiB');
  }
}

function nextChunk(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const attempt = (): boolean => {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) {
        cleanup();
        resolve(chunk);
        return true;
      }
      return false;
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      stream.off('readable', attempt);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', attempt);
    stream.on('end', onEnd);
    stream.on('error', onError);
    if (stream.readableEnded) onEnd();
    else attempt();
  });
}
