import { requireInfra } from '@tessera/testing';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import { describeBlobStoreContract } from './blob-store.contract';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.adapter';

function options(): S3BlobStoreOptions {
  const infra = requireInfra();
  const endpoint = new URL(infra.s3Endpoint);
  return {
    endPoint: endpoint.hostname,
    port: Number(endpoint.port),
    useSSL: false,
    accessKey: infra.s3AccessKey,
    secretKey: infra.s3SecretKey,
    region: 'us-east-1',
    bucket: 'tessera-contract',
    partSizeBytes: 5 * 1024 * 1024,
    // Small, so that deleteMany's cases span several DeleteObjects requests.
    deleteBatchSize: 3,
  };
}

// Against the real S3 server that scripts/infra/start.sh runs (MinIO built from source).
describeBlobStoreContract('S3 (MinIO)', async () => new S3BlobStore(options()));

describe('S3 reads (MinIO)', () => {
  const key = `reads-${Date.now()}/object.dcm`;
  const data = randomBytes(256 * 1024);
  let store: S3BlobStore;

  beforeAll(async () => {
    store = new S3BlobStore(options());
    await store.init();
    await store.put(key, Readable.from([data]));
  });

  afterAll(async () => {
    await store.delete(key);
  });

  async function readAll(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('reuses its connections: many reads, at most as many connections as reads in flight', async () => {
    const fresh = new S3BlobStore(options());
    const connect = jest.spyOn(net, 'connect');
    try {
      for (let round = 0; round < 5; round++) {
        const bodies = await Promise.all(Array.from({ length: 8 }, async (_, i) => readAll(await fresh.get(key, { start: i * 1000, end: i * 1000 + 999 }))));
        bodies.forEach((body, i) => expect(body.equals(data.subarray(i * 1000, i * 1000 + 1000))).toBe(true));
        expect(await fresh.stat(key)).toEqual({ sizeBytes: data.length });
      }
      expect(connect.mock.calls.length).toBeGreaterThan(0);
      expect(connect.mock.calls.length).toBeLessThanOrEqual(8);
    } finally {
      connect.mockRestore();
    }
  });

  it('says clearly when the secret key is wrong', async () => {
    const wrong = new S3BlobStore({ ...options(), secretKey: 'not-the-secret-key' });

    await expect(wrong.get(key)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 403, message: expect.stringMatching(/^S3 GET tessera-contract\/reads-\d+\/object\.dcm: 403 SignatureDoesNotMatch: The request signature we calculated does not match/) });
    await expect(wrong.stat(key)).rejects.toThrow(/^S3 HEAD tessera-contract\/reads-\d+\/object\.dcm: 403 Forbidden: access denied, or wrong credentials or region/);
  });
});
