import { Client } from 'minio';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobsNotDeletedError } from './blob-store.port';
import { S3BlobStore } from './s3-blob-store.adapter';

// What the contract cannot make a real server do: refuse some keys of a DeleteObjects request. This
// endpoint answers as S3 does (S3 API Reference, DeleteObjects): 200 with an <Error> per key it did
// not delete, keys under "denied/"; and a whole request refused (403) when it holds a key under "forbidden/".
let server: Server;
let port: number;
const requests: string[][] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
      requests.push(keys);
      res.setHeader('Content-Type', 'application/xml');
      if (req.method !== 'POST' || !req.url?.endsWith('?delete') || keys.some((k) => k.startsWith('forbidden/'))) {
        res.statusCode = 403;
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>');
        return;
      }
      const errors = keys.filter((k) => k.startsWith('denied/')).map((k) => `<Error><Key>${k}</Key><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>`);
      res.end(`<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${errors.join('')}</DeleteResult>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

function store(deleteBatchSize: number): S3BlobStore {
  return new S3BlobStore({ endPoint: '127.0.0.1', port, useSSL: false, accessKey: 'test', secretKey: 'test-secret', region: 'us-east-1', bucket: 'tessera', deleteBatchSize });
}

describe('S3 deleteMany', () => {
  it('rejects naming the keys the server did not delete, after sending all of them', async () => {
    const keys = ['ok/1', 'denied/1', 'ok/2', 'denied/2', 'ok/3'];

    const rejection = store(2).deleteMany(keys);

    await expect(rejection).rejects.toBeInstanceOf(BlobsNotDeletedError);
    const { failures } = (await rejection.catch((err: unknown) => err)) as BlobsNotDeletedError;
    expect([...failures].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'denied/1', reason: 'AccessDenied: Access Denied.' },
      { key: 'denied/2', reason: 'AccessDenied: Access Denied.' },
    ]);
    expect(requests.flat().sort()).toEqual([...keys].sort());
  });

  it('counts every key of a refused request as not deleted', async () => {
    const rejection = store(2).deleteMany(['ok/1', 'forbidden/1', 'ok/2']);

    const { failures } = (await rejection.catch((err: unknown) => err)) as BlobsNotDeletedError;
    expect(failures.map((f) => f.key).sort()).toEqual(['forbidden/1', 'ok/1']);
    expect(failures[0].reason).toMatch(/Access Denied/);
  });

  it('sends at most deleteBatchSize keys a request, three requests at a time', async () => {
    const keys = Array.from({ length: 11 }, (_, i) => `ok/${i}`);
    let inFlight = 0;
    let mostInFlight = 0;
    const removeObjects = Client.prototype.removeObjects;
    const spy = jest.spyOn(Client.prototype, 'removeObjects').mockImplementation(async function (this: Client, ...args) {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await removeObjects.apply(this, args);
      } finally {
        inFlight--;
      }
    });
    try {
      await store(2).deleteMany(keys);
    } finally {
      spy.mockRestore();
    }

    expect(requests.map((r) => r.length).sort()).toEqual([1, 2, 2, 2, 2, 2]);
    expect(requests.flat().sort()).toEqual([...keys].sort());
    expect(mostInFlight).toBe(3);
  });

  it('sends no request for no keys', async () => {
    await store(1000).deleteMany([]);
    expect(requests).toEqual([]);
  });

  it('refuses a batch size S3 does not accept', () => {
    for (const size of [0, 1001, 2.5]) expect(() => store(size)).toThrow(RangeError);
  });
});
