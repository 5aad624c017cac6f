import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { BlobNotFoundError } from './blob-store.port';
import { S3BlobStore } from './s3-blob-store.adapter';
import { s3Address, S3ObjectReader, S3RequestError, S3TransportError, type S3ObjectReaderOptions } from './s3-object-reader';

// A fake S3 endpoint speaking raw HTTP/1.1, to make the failures a real server will not make on cue:
// each request's head goes to `answer` with the connection it came on, which answers as it likes.
interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Map<string, string>;
  /** Which connection, counting from 0, carried it. */
  readonly connection: number;
}
type Answer = (request: FakeRequest, socket: Socket) => void;

let server: Server;
let port: number;
let answer: Answer;
let requests: FakeRequest[];
// Connections made and closed during the current test (a test's idle connections may close in the next).
let connections: number;
let closed: number;
let generation = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    const connection = connections++;
    const madeIn = generation;
    socket.on('close', () => {
      if (madeIn === generation) closed++;
    });
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const [requestLine, ...lines] = pending.slice(0, end).split('\r\n');
        pending = pending.slice(end + 4);
        const [method, path] = requestLine.split(' ');
        const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const));
        const request = { method, path, headers, connection };
        requests.push(request);
        answer(request, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  generation++;
  requests = [];
  connections = 0;
  closed = 0;
});

function reader(options: Partial<S3ObjectReaderOptions> = {}): S3ObjectReader {
  return new S3ObjectReader({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'AKIDEXAMPLE', secretKey: 'secret', region: 'eu-west-3', ...options });
}

function head(status: string, headers: Record<string, string | number>): string {
  return `HTTP/1.1 ${status}\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

// Answers every GET with `data` (or its requested range), written in pieces; HEAD with its size.
function serve(data: Buffer, extraHeaders: Record<string, string> = {}): Answer {
  return (request, socket) => {
    if (request.method === 'HEAD') {
      socket.write(head('200 OK', { 'Content-Length': data.length, ...extraHeaders }));
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get('range') ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    const body = data.subarray(start, end + 1);
    socket.write(head(range ? '206 Partial Content' : '200 OK', { 'Content-Length': body.length, ...(range ? { 'Content-Range': `bytes ${start}-${end}/${data.length}` } : {}), ...extraHeaders }));
    for (let i = 0; i < body.length; i += 7000) socket.write(body.subarray(i, i + 7000));
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// Compared by digest: jest compares large buffers byte by byte, slowly.
function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('S3ObjectReader', () => {
  it('sends a signed path-style GET and reads the body, on one kept-alive connection for several requests', async () => {
    const data = randomBytes(100_000);
    answer = serve(data);
    const s3 = reader();

    for (let i = 0; i < 3; i++) expect(sha256(await readAll(await s3.get('tessera', 'a/b/c.dcm')))).toBe(sha256(data));

    expect(connections).toBe(1);
    const { method, path, headers } = requests[0];
    expect([method, path]).toEqual(['GET', '/tessera/a/b/c.dcm']);
    expect(headers.get('host')).toBe(`127.0.0.1:${port}`);
    expect(headers.get('x-amz-content-sha256')).toBe('UNSIGNED-PAYLOAD');
    expect(headers.get('x-amz-date')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers.get('authorization')).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${headers.get('x-amz-date')?.slice(0, 8)}/eu-west-3/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$`),
    );
  });

  it('asks for byte ranges, closed and open-ended, and checks what the server says it sent', async () => {
    const data = randomBytes(10_000);
    answer = serve(data);
    const s3 = reader();

    expect(await readAll(await s3.get('tessera', 'k', { start: 100, end: 199 }))).toEqual(data.subarray(100, 200));
    expect(await readAll(await s3.get('tessera', 'k', { start: 9_000 }))).toEqual(data.subarray(9_000));
    expect(requests.map((r) => r.headers.get('range'))).toEqual(['bytes=100-199', 'bytes=9000-']);
    expect(requests[0].headers.get('authorization')).toContain('SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,');

    answer = (_, socket) => socket.write(head('206 Partial Content', { 'Content-Length': 10, 'Content-Range': 'bytes 0-9/10000' }) + '0123456789');
    await expect(s3.get('tessera', 'k', { start: 100, end: 109 })).rejects.toThrow(/asked for bytes 100-109, the server sent Content-Range "bytes 0-9\/10000"/);
    answer = serve(data);
    await expect(s3.get('tessera', 'k', { start: 0, end: 9 }).then(readAll)).resolves.toEqual(data.subarray(0, 10));
  });

  it('reads a range past the end as empty (416), and reuses the connection', async () => {
    const xml = '<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message></Error>';
    answer = (_, socket) => socket.write(head('416 Requested Range Not Satisfiable', { 'Content-Length': xml.length, 'Content-Range': 'bytes */10' }) + xml);
    const s3 = reader();

    expect(await readAll(await s3.get('tessera', 'k', { start: 10 }))).toEqual(Buffer.alloc(0));
    expect(await readAll(await s3.get('tessera', 'k', { start: 11 }))).toEqual(Buffer.alloc(0));
    expect(connections).toBe(1);
  });

  it('reads an empty object', async () => {
    answer = serve(Buffer.alloc(0));
    expect(await readAll(await reader().get('tessera', 'empty'))).toEqual(Buffer.alloc(0));
  });

  it("gives S3's error code and message, and keeps the connection once the error body is read", async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error &amp; stopped.</Message></Error>';
    answer = (_, socket) => socket.write(head('500 Internal Server Error', { 'Content-Length': Buffer.byteLength(xml), 'x-amz-request-id': 'REQ1' }) + xml);
    const s3 = reader();

    const err = (await s3.get('tessera', 'k').catch((e: unknown) => e)) as S3RequestError;

    expect(err).toBeInstanceOf(S3RequestError);
    expect([err.code, err.statusCode]).toEqual(['InternalError', 500]);
    expect(err.message).toBe('S3 GET tessera/k: 500 InternalError: We encountered an internal error & stopped. (request id REQ1)');
    answer = serve(Buffer.from('ok'));
    expect(await readAll(await s3.get('tessera', 'k'))).toEqual(Buffer.from('ok'));
    expect(connections).toBe(1);
  });

  it('reports a missing key as NoSuchKey on GET (BlobNotFoundError from the store) and as no object on HEAD', async () => {
    const xml = '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
    answer = (request, socket) => socket.write(request.method === 'HEAD' ? head('404 Not Found', { 'Content-Length': 0 }) : head('404 Not Found', { 'Content-Length': xml.length }) + xml);
    const store = new S3BlobStore({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'a', secretKey: 's', region: 'us-east-1', bucket: 'tessera' });

    await expect(reader().get('tessera', 'k')).rejects.toMatchObject({ code: 'NoSuchKey', statusCode: 404 });
    await expect(store.get('missing/key')).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.stat('missing/key')).toBeUndefined();
  });

  it('reads the size from a HEAD response without waiting for a body', async () => {
    answer = serve(Buffer.alloc(123_456));
    const s3 = reader();

    expect(await s3.head('tessera', 'k')).toEqual({ sizeBytes: 123_456 });
    expect(await s3.head('tessera', 'k')).toEqual({ sizeBytes: 123_456 });
    expect(requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
    expect(connections).toBe(1);
  });

  it('errors the stream, never ends it, when the connection closes before the whole body', async () => {
    answer = (_, socket) => {
      socket.write(head('200 OK', { 'Content-Length': 1000 }));
      socket.end(Buffer.alloc(400));
    };

    const body = await reader().get('tessera', 'k');

    await expect(readAll(body)).rejects.toThrow('S3 GET tessera/k: the connection closed with 600 byte(s) of the body still to come');
  });

  it('errors the stream when the connection is reset mid-body', async () => {
    answer = (_, socket) => {
      socket.write(head('200 OK', { 'Content-Length': 100_000 }));
      socket.write(Buffer.alloc(30_000), () => socket.resetAndDestroy());
    };

    const body = await reader().get('tessera', 'k');

    await expect(readAll(body)).rejects.toBeInstanceOf(S3TransportError);
  });

  it('times out waiting for a response, and waiting for body bytes it wants', async () => {
    answer = () => undefined;
    await expect(reader({ timeoutMs: 100 }).get('tessera', 'k')).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'S3 GET tessera/k: no response within 100 ms' });

    answer = (_, socket) => socket.write(head('200 OK', { 'Content-Length': 10 }) + '12345');
    const body = await reader({ timeoutMs: 100 }).get('tessera', 'k');
    await expect(readAll(body)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'S3 GET tessera/k: no body bytes within 100 ms' });
  });

  it('does not time out a body its consumer is slow to read', async () => {
    const data = randomBytes(2 * 1024 * 1024);
    answer = serve(data);

    const body = await reader({ timeoutMs: 100 }).get('tessera', 'k');
    // The socket is paused by backpressure meanwhile; waiting past the timeout must not fail the read.
    await until(() => body.readableLength > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(sha256(await readAll(body))).toBe(sha256(data));
  });

  it('refuses bodies without Content-Length, chunked ones included', async () => {
    answer = (_, socket) => socket.write(head('200 OK', { 'Transfer-Encoding': 'chunked' }) + '5\r\nhello\r\n0\r\n\r\n');
    await expect(reader().get('tessera', 'k')).rejects.toMatchObject({ code: 'EUNSUPPORTED', message: 'S3 GET tessera/k: Transfer-Encoding chunked is not supported, only Content-Length bodies' });

    answer = (_, socket) => socket.end(head('200 OK', {}) + 'hello');
    await expect(reader().get('tessera', 'k')).rejects.toMatchObject({ code: 'EUNSUPPORTED' });
    await until(() => closed === 2);
  });

  it('closes the connection when the consumer stops early, and the next read uses a new one', async () => {
    const data = randomBytes(4 * 1024 * 1024);
    answer = serve(data);
    const s3 = reader();

    const body = await s3.get('tessera', 'k');
    await until(() => body.readableLength > 0);
    body.destroy();
    await until(() => closed === 1);

    expect(sha256(await readAll(await s3.get('tessera', 'k')))).toBe(sha256(data));
    expect(connections).toBe(2);
  });

  it('does not keep a connection the server closes (Connection: close)', async () => {
    answer = serve(Buffer.from('x'), { Connection: 'close' });
    const s3 = reader();

    await readAll(await s3.get('tessera', 'k'));
    await readAll(await s3.get('tessera', 'k'));

    expect(connections).toBe(2);
  });

  it('sends a request again on a new connection when a kept-alive one was closed before answering', async () => {
    answer = (request, socket) => {
      if (request.connection === 0 && requests.filter((r) => r.connection === 0).length === 2) socket.destroy();
      else serve(Buffer.from('fresh'))(request, socket);
    };
    const s3 = reader();

    await readAll(await s3.get('tessera', 'k'));
    expect(await readAll(await s3.get('tessera', 'k'))).toEqual(Buffer.from('fresh'));

    expect(requests.map((r) => r.connection)).toEqual([0, 0, 1]);
  });

  it('keeps at most maxIdleSockets idle connections, and closes them after idleTimeoutMs', async () => {
    answer = serve(randomBytes(50_000));
    const s3 = reader({ maxIdleSockets: 2, idleTimeoutMs: 100 });

    await Promise.all(Array.from({ length: 5 }, async () => readAll(await s3.get('tessera', 'k'))));
    expect(connections).toBe(5);
    await until(() => closed === 3);
    await Promise.all(Array.from({ length: 2 }, async () => readAll(await s3.get('tessera', 'k'))));
    expect(connections).toBe(5);

    await until(() => closed === 5);
  });

  it('speaks TLS when asked, and checks the server certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-s3-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      let handshakes = 0;
      const tlsServer = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
      tlsServer.on('tlsClientError', () => handshakes++);
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      try {
        const s3 = reader({ port: (tlsServer.address() as AddressInfo).port, useSSL: true });
        await expect(s3.get('tessera', 'k')).rejects.toThrow(/cannot connect to 127\.0\.0\.1:\d+: self[- ]signed certificate/);
        await until(() => handshakes === 1);
      } finally {
        await new Promise((resolve) => tlsServer.close(resolve));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a connection that cannot be made', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    await expect(reader({ port: closedPort }).get('tessera', 'k')).rejects.toThrow(new RegExp(`S3 GET tessera/k: cannot connect to 127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`));
  });
});

describe('s3Address (S3 User Guide, "Virtual hosting of buckets")', () => {
  it('addresses AWS buckets virtual-hosted-style when the name can be a host label, and everything else path-style', () => {
    const aws = { endPoint: 's3.eu-central-1.amazonaws.com', port: 443, useSSL: true };
    expect(s3Address(aws, 'tessera-prod')).toEqual({ hostHeader: 'tessera-prod.s3.eu-central-1.amazonaws.com', connectHost: 'tessera-prod.s3.eu-central-1.amazonaws.com', bucketPath: '' });
    expect(s3Address({ ...aws, endPoint: 's3.cn-north-1.amazonaws.com.cn' }, 'images')).toMatchObject({ connectHost: 'images.s3.cn-north-1.amazonaws.com.cn', bucketPath: '' });
    // A dotted name is not one label (TLS wildcard certificates cover one): path-style.
    expect(s3Address(aws, 'tessera.prod')).toEqual({ hostHeader: 's3.eu-central-1.amazonaws.com', connectHost: 's3.eu-central-1.amazonaws.com', bucketPath: '/tessera.prod' });
    expect(s3Address({ endPoint: 'minio.pacs.local', port: 9000, useSSL: false }, 'tessera')).toEqual({ hostHeader: 'minio.pacs.local:9000', connectHost: 'minio.pacs.local', bucketPath: '/tessera' });
    expect(s3Address({ endPoint: '[::1]', port: 80, useSSL: false }, 'tessera')).toEqual({ hostHeader: '[::1]', connectHost: '::1', bucketPath: '/tessera' });
  });
});
