import { readFileMeta } from '@tessera/dicom';
import { parseMediaType, parseMultipart } from '@tessera/multipart';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const MiB = 1024 * 1024;

/**
 * A Part 10 file as the STOW-RS case sends and checks it. An archive may replace the File Meta
 * Information (Tessera writes its own), so what must come back unchanged is the data set after it.
 */
export interface Part10File {
  readonly file: string;
  readonly bytes: number;
  readonly sopInstanceUID: string;
  readonly datasetBytes: number;
  readonly datasetSha256: string;
}

/** Reads a Part 10 file's header and digests its data set, streaming (a 2 GiB file is never held). */
export async function describePart10(file: string): Promise<Part10File> {
  const bytes = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(Math.min(bytes, 64 * 1024));
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const meta = readFileMeta(head, true);
  if (!meta) throw new Error(`${file}: no File Meta Information`);
  const digest = await digestDataSet(fs.createReadStream(file, { highWaterMark: 4 * MiB }));
  return { file, bytes, sopInstanceUID: meta.meta.mediaStorageSOPInstanceUID, datasetBytes: digest.bytes, datasetSha256: digest.sha256 };
}

/** A STOW-RS exchange as the client saw it. */
export interface StowExchange {
  readonly status: number;
  readonly contentType: string;
  /** The response body (a Store Instances Response, or an error), at most 1 MiB of it. */
  readonly body: string;
  /** From the first byte sent until the last one was handed to the socket. */
  readonly uploadS: number | undefined;
  /** From the first byte sent until the response's last byte. */
  readonly wallS: number;
}

/**
 * POSTs one Part 10 file as the only part of a `multipart/related; type="application/dicom"` request
 * (PS3.18 10.5.1.1; RFC 2387), streamed from disk: the part header, the file read in 1 MiB chunks, the
 * closing delimiter, with Content-Length and TCP_NODELAY (ARCHITECTURE §8). An archive that answers
 * before it has read everything is heard: its response settles the exchange.
 */
export function stowFile(url: string, headers: Record<string, string>, part: Part10File, timeoutMs: number, signal?: AbortSignal): Promise<StowExchange> {
  const boundary = `tessera-bench-${randomBytes(8).toString('hex')}`;
  const open = Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
  const close = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  async function* body(): AsyncGenerator<Buffer> {
    yield open;
    yield* fs.createReadStream(part.file, { highWaterMark: MiB }) as AsyncIterable<Buffer>;
    yield close;
  }
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: {
        ...headers,
        accept: 'application/dicom+json',
        'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        'content-length': String(open.length + part.bytes + close.length),
      },
      ...(signal ? { signal } : {}),
    });
    req.setNoDelay(true);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no progress for ${timeoutMs / 1000} s`)));
    let uploadS: number | undefined;
    let answered = false;
    req.once('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (chunk: Buffer) => {
        if (kept < MiB) chunks.push(chunk);
        kept += chunk.length;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), uploadS, wallS: (performance.now() - t0) / 1000 }));
      res.once('error', reject);
    });
    req.once('error', (err) => {
      if (!answered) reject(err);
    });
    pipeline(Readable.from(body()), req).then(
      () => (uploadS = (performance.now() - t0) / 1000),
      (err: Error) => {
        if (!answered) reject(err);
      },
    );
  });
}

type Json = Record<string, { Value?: unknown[] } | undefined>;

/** What a Store Instances Response (PS3.18 10.5.3) says about one SOP Instance. */
export interface StowOutcome {
  /** Listed in the Referenced SOP Sequence (0008,1199). */
  readonly referenced: boolean;
  /** Its Retrieve URL (0008,1190) there. */
  readonly retrieveUrl?: string;
  /** Its Failure Reason (0008,1197) when listed in the Failed SOP Sequence (0008,1198). */
  readonly failureReason?: number;
}

export function stowOutcome(body: string, sopInstanceUID: string): StowOutcome {
  let response: Json;
  try {
    response = JSON.parse(body) as Json;
  } catch {
    return { referenced: false };
  }
  const items = (tag: string): Json[] => (response[tag]?.Value ?? []) as Json[];
  const is = (item: Json): boolean => item['00081155']?.Value?.[0] === sopInstanceUID;
  const referenced = items('00081199').find(is);
  const failed = items('00081198').find(is);
  const retrieveUrl = referenced?.['00081190']?.Value?.[0];
  const failureReason = failed?.['00081197']?.Value?.[0];
  return { referenced: referenced !== undefined, ...(typeof retrieveUrl === 'string' ? { retrieveUrl } : {}), ...(typeof failureReason === 'number' ? { failureReason } : {}) };
}

function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, resolve);
    req.setNoDelay(true);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no progress for ${timeoutMs / 1000} s`)));
    req.once('error', reject);
  });
}

async function text(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8', 0, 500);
}

/** The instance as retrieved: its data set's size and digest (the File Meta Information left out). */
export interface RetrievedInstance {
  readonly status: number;
  readonly parts: number;
  readonly datasetBytes: number;
  readonly datasetSha256: string;
  readonly s: number;
  readonly error?: string;
}

/**
 * WADO-RS Retrieve Instance (PS3.18 10.4) as `multipart/related; type="application/dicom"` (Explicit VR
 * Little Endian, the default transfer syntax, which the sent file has: nothing to transcode), read as
 * it streams: the part's File Meta Information is skipped and the data set digested.
 */
export async function retrieveInstance(url: string, headers: Record<string, string>, timeoutMs: number): Promise<RetrievedInstance> {
  const t0 = performance.now();
  const res = await get(url, { ...headers, accept: 'multipart/related; type="application/dicom"' }, timeoutMs);
  const status = res.statusCode ?? 0;
  const failed = async (error: string): Promise<RetrievedInstance> => ({ status, parts: 0, datasetBytes: 0, datasetSha256: '', s: (performance.now() - t0) / 1000, error });
  if (status !== 200) return failed(`HTTP ${status}: ${await text(res)}`);
  const boundary = parseMediaType(res.headers['content-type']).params.boundary;
  if (!boundary) return failed(`no multipart boundary in ${res.headers['content-type'] ?? 'no Content-Type'}`);
  let parts = 0;
  let datasetBytes = 0;
  let datasetSha256 = '';
  for await (const part of parseMultipart(res, boundary)) {
    if (++parts > 1) {
      part.body.resume();
      continue;
    }
    const digest = await digestDataSet(part.body);
    datasetBytes = digest.bytes;
    datasetSha256 = digest.sha256;
  }
  return { status, parts, datasetBytes, datasetSha256, s: (performance.now() - t0) / 1000 };
}

/** The size and SHA-256 of the data set of a Part 10 stream, its File Meta Information left out. */
export async function digestDataSet(file: AsyncIterable<Buffer>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const chunk of file) {
    if (head === undefined) {
      hash.update(chunk);
      bytes += chunk.length;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    const meta = readFileMeta(head);
    if (meta) {
      const rest = head.subarray(meta.datasetOffset);
      hash.update(rest);
      bytes += rest.length;
      head = undefined;
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** One frame as retrieved (WADO-RS Retrieve Frames, PS3.18 10.4.1.1.6), uncompressed as stored. */
export async function retrieveFrame(instanceUrl: string, frame: number, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; bytes?: Buffer; ms: number; error?: string }> {
  const t0 = performance.now();
  const res = await get(`${instanceUrl}/frames/${frame}`, { ...headers, accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' }, timeoutMs);
  const status = res.statusCode ?? 0;
  if (status !== 200) return { status, ms: performance.now() - t0, error: `HTTP ${status}: ${await text(res)}` };
  const boundary = parseMediaType(res.headers['content-type']).params.boundary;
  if (!boundary) return { status, ms: performance.now() - t0, error: `no multipart boundary in ${res.headers['content-type'] ?? 'no Content-Type'}` };
  const frames: Buffer[] = [];
  for await (const part of parseMultipart(res, boundary)) {
    const chunks: Buffer[] = [];
    for await (const chunk of part.body as AsyncIterable<Buffer>) chunks.push(chunk);
    frames.push(Buffer.concat(chunks));
  }
  if (frames.length !== 1) return { status, ms: performance.now() - t0, error: `${frames.length} parts, expected one frame` };
  return { status, bytes: frames[0] as Buffer, ms: performance.now() - t0 };
}
