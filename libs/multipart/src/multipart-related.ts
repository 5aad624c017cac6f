import { PassThrough, type Readable } from 'node:stream';

/** One body part of a multipart message, its body streaming in. */
export interface MultipartPart {
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readable;
}

/** A multipart message that breaks RFC 2046; the edge answers 400 with this message. */
export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The parameters of a media type such as `multipart/related; type="application/dicom"; boundary=x`. */
export function parseMediaType(header: string | undefined): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = (header ?? '').split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    params[name] = value;
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Parses a multipart body (RFC 2046 5.1) as it streams. Each part is yielded once its headers are in;
 * its body streams out while the consumer reads it, and the next part is parsed only after the
 * consumer has read the previous body to its end, so memory stays bounded by a chunk. A body cut
 * short (no closing delimiter) fails the current part's stream and then the iteration.
 */
export async function* parseMultipart(source: AsyncIterable<Buffer | string>, boundary: string): AsyncGenerator<MultipartPart> {
  if (!/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(boundary) || boundary.endsWith(' ')) {
    throw new MultipartError(`Invalid multipart boundary ${JSON.stringify(boundary)} (RFC 2046 5.1.1)`);
  }
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const iterator = source[Symbol.asyncIterator]();
  // The first delimiter may start the body without a preceding CRLF; pretend there was one.
  let buffer: Buffer = CRLF;
  let done = false;

  const more = async (): Promise<boolean> => {
    if (done) return false;
    const next = await iterator.next();
    if (next.done) {
      done = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    return true;
  };

  // Preamble: skip to the first delimiter.
  for (;;) {
    const at = buffer.indexOf(delimiter);
    if (at >= 0) {
      buffer = buffer.subarray(at + delimiter.length);
      break;
    }
    buffer = buffer.subarray(Math.max(0, buffer.length - delimiter.length));
    if (!(await more())) throw new MultipartError('The body has no multipart delimiter for the given boundary');
  }

  for (;;) {
    // After a delimiter: "--" closes the message; otherwise optional whitespace, CRLF, then headers.
    while (buffer.length < 2) if (!(await more())) throw new MultipartError('The multipart body ends right after a delimiter');
    if (buffer[0] === 0x2d && buffer[1] === 0x2d) return;
    let headerEnd: number;
    for (;;) {
      headerEnd = buffer.indexOf(HEADER_END);
      const emptyHeaders = buffer.indexOf(CRLF) === 0 && buffer.indexOf(CRLF, 2) === 2;
      if (emptyHeaders) headerEnd = 0;
      if (headerEnd >= 0) break;
      if (buffer.length > MAX_HEADER_BYTES) throw new MultipartError('A part\'s headers exceed 16 KiB');
      if (!(await more())) throw new MultipartError('The multipart body ends inside a part\'s headers');
    }
    const headerText = buffer.subarray(0, headerEnd).toString('latin1');
    buffer = buffer.subarray(headerEnd + HEADER_END.length - (headerEnd === 0 ? 2 : 0));
    const headers = parseHeaders(headerText);
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const finished = new Promise<void>((resolve) => {
      body.on('end', resolve);
      body.on('close', resolve);
      body.on('error', () => resolve());
    });
    const pump = (async (): Promise<void> => {
      for (;;) {
        const at = buffer.indexOf(delimiter);
        if (at >= 0) {
          await write(body, buffer.subarray(0, at));
          buffer = buffer.subarray(at + delimiter.length);
          body.end();
          return;
        }
        // Everything but a possible partial delimiter at the end can go out now.
        const safe = buffer.length - (delimiter.length - 1);
        if (safe > 0) {
          await write(body, buffer.subarray(0, safe));
          buffer = buffer.subarray(safe);
        }
        if (!(await more())) {
          const error = new MultipartError('The multipart body is truncated: a part has no closing delimiter');
          body.destroy(error);
          throw error;
        }
      }
    })();
    pump.catch(() => undefined);
    yield { headers, body };
    // The consumer must take the whole body before the next part can be found.
    body.resume();
    await finished;
    await pump;
  }
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`Malformed part header line ${JSON.stringify(line.slice(0, 80))}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function write(stream: PassThrough, data: Buffer): Promise<void> {
  if (data.length === 0 || stream.destroyed) return;
  if (!stream.write(data)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
    });
  }
}
