import { createHash, createHmac } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { connect as connectTls } from 'node:tls';
import type { ByteRange } from './blob-store.port';

/** An S3 server and the credentials to sign for it with. */
export interface S3Endpoint {
  readonly endPoint: string;
  readonly port: number;
  readonly useSSL: boolean;
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
}

/** Where the reader sends its requests, and how long it waits. */
export interface S3ObjectReaderOptions extends S3Endpoint {
  /** Idle keep-alive connections kept for the next request (default 32); more are closed. */
  readonly maxIdleSockets?: number;
  /** An idle connection is closed after this long unused (default 4 s; S3 servers close idle connections too). */
  readonly idleTimeoutMs?: number;
  /** The longest wait for a connection, for the response head, or for the next body bytes while they are wanted (default 30 s). */
  readonly timeoutMs?: number;
}

/** Where requests for one bucket go: the Host header (which is signed), what to connect to, and the path before the key. */
export interface S3Address {
  readonly hostHeader: string;
  readonly connectHost: string;
  readonly bucketPath: string;
}

// AWS's own S3 endpoints (s3.amazonaws.com, s3.<region>.amazonaws.com, the .com.cn ones).
const AWS_ENDPOINT = /(^|\.)amazonaws\.com(\.cn)?$/i;
// A bucket name that can be a DNS label under TLS (no dots: AWS's wildcard certificate covers one label).
const DNS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * How to address a bucket (S3 User Guide, "Virtual hosting of buckets"): virtual-hosted-style
 * (`bucket.s3.region.amazonaws.com/key`) on AWS, which no longer promises path-style requests to new
 * buckets, when the name can be a host label; path-style (`host/bucket/key`) everywhere else, which
 * is what S3-compatible servers (MinIO, Ceph RGW, …) answer without DNS set up for each bucket.
 */
export function s3Address(options: Pick<S3ObjectReaderOptions, 'endPoint' | 'port' | 'useSSL'>, bucket: string): S3Address {
  // The Host header leaves out the scheme's default port (RFC 9110 7.2), as signing must see it.
  const port = options.port === (options.useSSL ? 443 : 80) ? '' : `:${options.port}`;
  const endPoint = options.endPoint.replace(/^\[(.*)\]$/, '$1');
  if (AWS_ENDPOINT.test(endPoint) && DNS_BUCKET.test(bucket)) return { hostHeader: `${bucket}.${endPoint}${port}`, connectHost: `${bucket}.${endPoint}`, bucketPath: '' };
  return { hostHeader: `${options.endPoint}${port}`, connectHost: endPoint, bucketPath: `/${encodePathSegment(bucket)}` };
}

/** A request S3 answered with an error status: S3's error `code` (or one derived from the status) and its message. */
export class S3RequestError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'S3RequestError';
  }
}

/** An exchange that failed below HTTP semantics: a connection lost, a timeout, a response this client does not read. */
export class S3TransportError extends Error {
  constructor(
    readonly code: 'ECONNCLOSED' | 'ETIMEDOUT' | 'EPROTO' | 'EUNSUPPORTED',
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3TransportError';
  }
}

// Larger than the socket's reads (64 KiB), so that a fast consumer rarely pauses the socket.
const BODY_HIGH_WATER_MARK = 256 * 1024;
// A response head larger than this is not S3's.
const MAX_HEAD_BYTES = 64 * 1024;
// An error body is XML of a few hundred bytes; more is read past, not kept.
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * GET and HEAD of S3 objects over HTTP/1.1 on keep-alive connections of its own: the read path of
 * every retrieve, without a general-purpose HTTP client's per-request work. Requests are signed with
 * AWS Signature Version 4 and an unsigned payload, addressed as s3Address says.
 */
export class S3ObjectReader {
  // Idle connections by the host they are connected to.
  private readonly idle = new Map<string, Socket[]>();
  private readonly addresses = new Map<string, S3Address>();
  private readonly maxIdle: number;
  private readonly idleTimeoutMs: number;
  private readonly timeoutMs: number;
  private signingDay = '';
  private signingKey: Buffer = Buffer.alloc(0);

  constructor(private readonly options: S3ObjectReaderOptions) {
    this.maxIdle = options.maxIdleSockets ?? 32;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 4000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Streams an object or a byte range of it. Rejects with S3RequestError (code NoSuchKey when absent).
   * A range that starts at or past the end of the object reads as empty, as a file would.
   */
  async get(bucket: string, key: string, range?: ByteRange): Promise<Readable> {
    const response = await this.request('GET', bucket, key, range);
    if (response.status === 416 && range) {
      // RFC 9110 15.5.17: only a range starting at or past the end is unsatisfiable ("bytes */length").
      response.body.resume();
      return Readable.from([]);
    }
    if (response.status === 206 && range) {
      // RFC 9110 14.4: Content-Range names what the server sent; anything else than asked is refused.
      const sent = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      if (!sent || Number(sent[1]) !== range.start || (range.end !== undefined && Number(sent[2]) > range.end)) {
        response.body.destroy();
        throw new S3TransportError('EPROTO', `S3 GET ${bucket}/${key}: asked for bytes ${range.start}-${range.end ?? ''}, the server sent Content-Range ${JSON.stringify(response.headers.get('content-range'))}`);
      }
      return response.body;
    }
    if (response.status === 200 && !range) return response.body;
    response.body.destroy();
    throw new S3TransportError('EPROTO', `S3 GET ${bucket}/${key}${range ? ` (Range bytes=${range.start}-${range.end ?? ''})` : ''}: unexpected status ${response.status}`);
  }

  /** The size of an object, or undefined when there is none. */
  async head(bucket: string, key: string): Promise<{ readonly sizeBytes: number } | undefined> {
    try {
      const response = await this.request('HEAD', bucket, key);
      return { sizeBytes: response.contentLength };
    } catch (err) {
      if (err instanceof S3RequestError && err.statusCode === 404) return undefined;
      throw err;
    }
  }

  // One request; a success status resolves with the body still to read, an error status rejects with
  // S3's error. A request that found a reused connection closed, before any byte of an answer, is sent
  // again once on a new one: GET and HEAD are idempotent (RFC 9112 9.3.1, RFC 9110 9.2.2).
  private async request(method: 'GET' | 'HEAD', bucket: string, key: string, range?: ByteRange): Promise<Response> {
    let address = this.addresses.get(bucket);
    if (!address) this.addresses.set(bucket, (address = s3Address(this.options, bucket)));
    const path = `${address.bucketPath}/${key.split('/').map(encodePathSegment).join('/')}`;
    const head = this.requestHead(method, address.hostHeader, path, range);
    const what = `S3 ${method} ${bucket}/${key}`;
    let pool = this.idle.get(address.connectHost);
    if (!pool) this.idle.set(address.connectHost, (pool = []));
    const idle = pool;
    const reused = idle.pop();
    let response: Response;
    try {
      response = await exchange(reused ?? (await this.connect(address, what)), head, method, what, this.timeoutMs, (socket) => this.release(socket, idle));
    } catch (err) {
      if (!(reused && err instanceof S3TransportError && unanswered.has(err))) throw err;
      response = await exchange(await this.connect(address, what), head, method, what, this.timeoutMs, (socket) => this.release(socket, idle));
    }
    if (response.status < 300 || (response.status === 416 && range)) return response;
    throw await errorOf(response, method, what);
  }

  private connect({ connectHost, hostHeader }: S3Address, what: string): Promise<Socket> {
    const { port, useSSL } = this.options;
    return new Promise((resolve, reject) => {
      const socket = useSSL ? connectTls({ host: connectHost, port, servername: isIpAddress(connectHost) ? undefined : connectHost }) : connectTcp({ host: connectHost, port });
      const fail = (err: Error): void => {
        socket.destroy();
        reject(new S3TransportError(err instanceof S3TransportError ? err.code : 'ECONNCLOSED', `${what}: cannot connect to ${hostHeader}: ${err.message}`, { cause: err }));
      };
      const onTimeout = (): void => fail(new S3TransportError('ETIMEDOUT', `no connection within ${this.timeoutMs} ms`));
      socket.setNoDelay(true);
      socket.setTimeout(this.timeoutMs);
      socket.once('timeout', onTimeout);
      socket.once('error', fail);
      socket.once(useSSL ? 'secureConnect' : 'connect', () => {
        socket.removeListener('error', fail);
        socket.removeListener('timeout', onTimeout);
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }

  // Keeps a connection whose last response was read to its end, while there is room and until it idles out.
  private release(socket: Socket, idle: Socket[]): void {
    if (idle.length >= this.maxIdle || socket.destroyed) {
      socket.destroy();
      return;
    }
    const drop = (): void => {
      socket.destroy();
      const at = idle.indexOf(socket);
      if (at >= 0) idle.splice(at, 1);
    };
    // Anything from the server while idle (bytes, an end, an error) makes the connection unusable.
    const onIdleEvent = (): void => drop();
    socket.on('data', onIdleEvent);
    socket.on('end', onIdleEvent);
    socket.on('error', onIdleEvent);
    socket.on('close', onIdleEvent);
    socket.setTimeout(this.idleTimeoutMs, onIdleEvent);
    // An idle connection does not keep the process alive.
    socket.unref();
    (socket as IdleSocket)[TAKE] = () => {
      socket.removeListener('data', onIdleEvent);
      socket.removeListener('end', onIdleEvent);
      socket.removeListener('error', onIdleEvent);
      socket.removeListener('close', onIdleEvent);
      socket.removeListener('timeout', onIdleEvent);
      socket.setTimeout(0);
      socket.ref();
    };
    idle.push(socket);
  }

  // AWS Signature Version 4 in the Authorization header (AWS S3 API Reference, "Authenticating
  // Requests: Using the Authorization Header"), with x-amz-content-sha256: UNSIGNED-PAYLOAD.
  private requestHead(method: string, hostHeader: string, path: string, range: ByteRange | undefined): string {
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = amzDate.slice(0, 8);
    const { accessKey, secretKey, region } = this.options;
    if (day !== this.signingDay) {
      const dateKey = hmac(`AWS4${secretKey}`, day);
      this.signingKey = hmac(hmac(hmac(dateKey, region), 's3'), 'aws4_request');
      this.signingDay = day;
    }
    const rangeValue = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    // Canonical headers: lower-case names in order, trimmed values; every one sent is signed.
    const signed = rangeValue ? 'host;range;x-amz-content-sha256;x-amz-date' : 'host;x-amz-content-sha256;x-amz-date';
    const canonicalHeaders = `host:${hostHeader}\n${rangeValue ? `range:${rangeValue}\n` : ''}x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:${amzDate}\n`;
    const canonicalRequest = `${method}\n${path}\n\n${canonicalHeaders}\n${signed}\nUNSIGNED-PAYLOAD`;
    const scope = `${day}/${region}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey).update(stringToSign).digest('hex');
    return (
      `${method} ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\n${rangeValue ? `Range: ${rangeValue}\r\n` : ''}` +
      `X-Amz-Content-Sha256: UNSIGNED-PAYLOAD\r\nX-Amz-Date: ${amzDate}\r\n` +
      `Authorization: AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed}, Signature=${signature}\r\n\r\n`
    );
  }
}

// Requests whose connection closed before any byte of a response: the ones worth sending again.
const unanswered = new WeakSet<Error>();
const TAKE = Symbol('take from the idle pool');
type IdleSocket = Socket & { [TAKE]?: () => void };

interface Response {
  readonly status: number;
  readonly headers: Map<string, string>;
  /** For HEAD, the size the server would have sent. */
  readonly contentLength: number;
  readonly body: Readable;
}

// The body of one response: exactly Content-Length bytes of the socket, with backpressure. The socket
// goes back to the pool only once all of them were read from it; a consumer that stops early, or a
// connection that ends early, ends the exchange with the socket destroyed.
class ResponseBody extends Readable {
  private remaining: number;
  private paused = false;
  private settled = false;

  constructor(
    private readonly socket: Socket,
    length: number,
    private readonly what: string,
    private readonly timeoutMs: number,
    private readonly done: (reusable: boolean) => void,
  ) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.remaining = length;
  }

  get complete(): boolean {
    return this.remaining === 0;
  }

  /** Takes body bytes off the socket; whatever comes past Content-Length makes the connection unusable. */
  receive(chunk: Buffer): void {
    if (this.settled) return;
    const extra = chunk.length > this.remaining;
    const data = extra ? chunk.subarray(0, this.remaining) : chunk;
    this.remaining -= data.length;
    if (this.remaining === 0) {
      this.settle(!extra);
      if (data.length > 0) this.push(data);
      this.push(null);
      return;
    }
    if (!this.push(data) && !this.paused) {
      // Nothing is wanted now: no timeout while the consumer is slow.
      this.paused = true;
      this.socket.pause();
      this.socket.setTimeout(0);
    }
  }

  /** The connection ended, failed or timed out before the last byte. */
  fail(err: Error): void {
    if (this.settled) return;
    this.settle(false);
    this.destroy(err);
  }

  override _read(): void {
    if (this.paused && !this.settled) {
      this.paused = false;
      this.socket.setTimeout(this.timeoutMs);
      this.socket.resume();
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // Stopped before its end: the rest of the body is still coming on this connection.
    if (!this.settled) this.settle(false);
    callback(err);
  }

  private settle(reusable: boolean): void {
    this.settled = true;
    this.done(reusable);
  }

  truncated(): S3TransportError {
    return new S3TransportError('ECONNCLOSED', `${this.what}: the connection closed with ${this.remaining} byte(s) of the body still to come`);
  }
}

// Sends one request on `socket` and reads the response head (RFC 9112 2-6), then hands the body to a
// ResponseBody. `release` receives the socket back when the response was read whole on a connection
// that stays open.
function exchange(socket: Socket, head: string, method: 'GET' | 'HEAD', what: string, timeoutMs: number, release: (socket: Socket) => void): Promise<Response> {
  (socket as IdleSocket)[TAKE]?.();
  delete (socket as IdleSocket)[TAKE];
  return new Promise<Response>((resolve, reject) => {
    let pending: Buffer | undefined;
    let body: ResponseBody | undefined;
    let answered = false;

    const detach = (): void => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      socket.removeListener('timeout', onTimeout);
    };
    const abandon = (err: S3TransportError): void => {
      detach();
      socket.destroy();
      if (body) body.fail(err);
      else {
        if (!answered && err.code === 'ECONNCLOSED') unanswered.add(err);
        reject(err);
      }
    };
    const onEnd = (): void => abandon(body ? body.truncated() : new S3TransportError('ECONNCLOSED', `${what}: the connection closed before a complete response head`));
    const onError = (err: Error): void => abandon(new S3TransportError('ECONNCLOSED', `${what}: ${err.message}`, { cause: err }));
    const onTimeout = (): void => abandon(new S3TransportError('ETIMEDOUT', `${what}: no ${body ? 'body bytes' : 'response'} within ${timeoutMs} ms`));

    function onData(chunk: Buffer): void {
      answered = true;
      if (body) {
        body.receive(chunk);
        return;
      }
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      const end = data.indexOf(CRLFCRLF);
      if (end < 0) {
        if (data.length > MAX_HEAD_BYTES) abandon(new S3TransportError('EPROTO', `${what}: a response head larger than ${MAX_HEAD_BYTES} bytes`));
        else pending = data;
        return;
      }
      pending = undefined;
      const parsed = parseHead(data.toString('latin1', 0, end));
      if (typeof parsed === 'string') {
        abandon(new S3TransportError('EPROTO', `${what}: ${parsed}`));
        return;
      }
      const rest = data.subarray(end + 4);
      // RFC 9110 15.2: an interim (1xx) response precedes the final one.
      if (parsed.status < 200) {
        if (rest.length > 0) onData(rest);
        return;
      }
      const { status, headers, keepAlive } = parsed;
      // RFC 9112 6.3: HEAD, 204 and 304 responses have no body, whatever their headers say.
      const bodiless = method === 'HEAD' || status === 204 || status === 304;
      if (!bodiless && headers.has('transfer-encoding')) {
        abandon(new S3TransportError('EUNSUPPORTED', `${what}: Transfer-Encoding ${headers.get('transfer-encoding')} is not supported, only Content-Length bodies`));
        return;
      }
      const lengthHeader = headers.get('content-length');
      const contentLength = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      if (contentLength === undefined && (!bodiless || method === 'HEAD')) {
        abandon(new S3TransportError(lengthHeader === undefined ? 'EUNSUPPORTED' : 'EPROTO', `${what}: ${lengthHeader === undefined ? 'no Content-Length in the response' : `Content-Length ${JSON.stringify(lengthHeader)}`}`));
        return;
      }
      body = new ResponseBody(socket, bodiless ? 0 : (contentLength as number), what, timeoutMs, (reusable) => {
        detach();
        if (reusable && keepAlive) release(socket);
        else socket.destroy();
      });
      resolve({ status, headers, contentLength: contentLength as number, body });
      body.receive(rest);
    }

    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.on('timeout', onTimeout);
    socket.setTimeout(timeoutMs);
    socket.write(head);
  });
}

// A status line and header fields (RFC 9112 4, 5); a string says what is wrong with them.
function parseHead(text: string): { status: number; headers: Map<string, string>; keepAlive: boolean } | string {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
  if (!statusLine) return `not an HTTP/1.x status line: ${JSON.stringify(lines[0].slice(0, 100))}`;
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) return `a malformed header line: ${JSON.stringify(lines[i].slice(0, 100))}`;
    const name = lines[i].slice(0, colon).toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    const before = headers.get(name);
    // RFC 9112 6.3: differing Content-Length values make the message length unknowable.
    if (name === 'content-length' && before !== undefined && before !== value) return `conflicting Content-Length values ${before} and ${value}`;
    headers.set(name, before === undefined || name === 'content-length' ? value : `${before}, ${value}`);
  }
  const connection = (headers.get('connection') ?? '').toLowerCase().split(',').map((t) => t.trim());
  // RFC 9112 9.3: HTTP/1.1 connections persist unless "close"; HTTP/1.0 ones only with "keep-alive".
  const keepAlive = statusLine[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { status: Number(statusLine[2]), headers, keepAlive };
}

// S3's error response is an XML <Error> with <Code> and <Message> (S3 API Reference, "Error
// responses"); a HEAD response has no body, so its status says what it can.
async function errorOf(response: Response, method: 'GET' | 'HEAD', what: string): Promise<S3RequestError> {
  const chunks: Buffer[] = [];
  let kept = 0;
  try {
    for await (const chunk of response.body) {
      if (kept < MAX_ERROR_BODY_BYTES) chunks.push(chunk as Buffer);
      kept += (chunk as Buffer).length;
    }
  } catch {
    // The status is known; an error body cut short only loses its detail.
  }
  const xml = Buffer.concat(chunks).toString('utf8');
  const code = xmlText(xml, 'Code') ?? STATUS_CODES[response.status] ?? `HTTP${response.status}`;
  const message = xmlText(xml, 'Message') ?? (method === 'HEAD' && response.status === 403 ? 'access denied, or wrong credentials or region (a HEAD response carries no error detail)' : undefined);
  const requestId = response.headers.get('x-amz-request-id');
  return new S3RequestError(code, response.status, `${what}: ${response.status} ${code}${message ? `: ${message}` : ''}${requestId ? ` (request id ${requestId})` : ''}`);
}

const STATUS_CODES: Readonly<Record<number, string>> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalError', 503: 'ServiceUnavailable' };

function xmlText(xml: string, element: string): string | undefined {
  const match = new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml);
  return match?.[1].replace(/&(lt|gt|quot|apos|amp);/g, (_, entity: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[entity] as string);
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

// SigV4's URI encoding of one path segment: every byte but the unreserved characters (RFC 3986 2.3)
// percent-encoded; S3 paths are encoded once, not twice as for other services.
function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
