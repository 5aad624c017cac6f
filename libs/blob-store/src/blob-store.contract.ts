import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore } from './blob-store.port';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function failingBody(bytesBeforeFailure: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytesBeforeFailure) {
        this.destroy(new Error('the sender went away'));
        return;
      }
      const chunk = randomBytes(Math.min(256 * 1024, bytesBeforeFailure - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

// Streams `size` pseudo-random bytes without holding them, and reports their digest when done.
function generatedBody(size: number): { body: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const block = randomBytes(1024 * 1024);
  const body = new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(block.length, size - sent);
      const chunk = Buffer.from(block.subarray(0, n));
      chunk.writeUInt32LE(sent, 0); // make every chunk different
      hash.update(chunk);
      sent += n;
      this.push(chunk);
    },
  });
  return { body, digest: () => hash.digest('hex') };
}

/** The behaviour every BlobStore adapter must have (STYLE 10). */
export function describeBlobStoreContract(name: string, create: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    const prefix = `contract-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      store = await create();
      await store.init();
    });

    it('stores an object and reads it back whole and by byte range', async () => {
      const data = randomBytes(300_000);
      const stat = await store.put(`${prefix}/a/one.dcm`, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      expect(stat.sizeBytes).toBe(data.length);
      expect(await readAll(await store.get(`${prefix}/a/one.dcm`))).toEqual(data);
      expect(await readAll(await store.get(`${prefix}/a/one.dcm`, { start: 128, end: 1127 }))).toEqual(data.subarray(128, 1128));
      expect(await readAll(await store.get(`${prefix}/a/one.dcm`, { start: 299_990 }))).toEqual(data.subarray(299_990));
      expect(await store.stat(`${prefix}/a/one.dcm`)).toEqual({ sizeBytes: data.length });
    });

    it('reads ranges that reach or pass the end of the object', async () => {
      const data = randomBytes(5000);
      await store.put(`${prefix}/ranges.dcm`, Readable.from([data]));
      expect(await readAll(await store.get(`${prefix}/ranges.dcm`, { start: 4000, end: 9999 }))).toEqual(data.subarray(4000));
      expect(await readAll(await store.get(`${prefix}/ranges.dcm`, { start: 0 }))).toEqual(data);
      expect(await readAll(await store.get(`${prefix}/ranges.dcm`, { start: 4999, end: 4999 }))).toEqual(data.subarray(4999));
      // Nothing is left from the end on: an empty read, as from a file.
      expect(await readAll(await store.get(`${prefix}/ranges.dcm`, { start: 5000 }))).toEqual(Buffer.alloc(0));
      expect(await readAll(await store.get(`${prefix}/ranges.dcm`, { start: 6000, end: 6999 }))).toEqual(Buffer.alloc(0));
    });

    it('stores and reads an empty object', async () => {
      expect(await store.put(`${prefix}/empty.bin`, Readable.from([]))).toEqual({ sizeBytes: 0 });
      expect(await readAll(await store.get(`${prefix}/empty.bin`))).toEqual(Buffer.alloc(0));
      expect(await readAll(await store.get(`${prefix}/empty.bin`, { start: 0 }))).toEqual(Buffer.alloc(0));
      expect(await store.stat(`${prefix}/empty.bin`)).toEqual({ sizeBytes: 0 });
    });

    it('serves many reads at once, and reads again after a reader stopped early', async () => {
      const data = randomBytes(512 * 1024);
      await store.put(`${prefix}/shared.dcm`, Readable.from([data]));
      const digest = createHash('sha256').update(data).digest('hex');
      const read = async (): Promise<string> => createHash('sha256').update(await readAll(await store.get(`${prefix}/shared.dcm`))).digest('hex');
      for (let round = 0; round < 3; round++) expect(await Promise.all(Array.from({ length: 16 }, read))).toEqual(Array.from({ length: 16 }, () => digest));

      for (let i = 0; i < 3; i++) {
        const stopped = await store.get(`${prefix}/shared.dcm`);
        for await (const chunk of stopped) if ((chunk as Buffer).length > 0) break;
        expect(stopped.destroyed).toBe(true);
        expect(await read()).toBe(digest);
        expect(await readAll(await store.get(`${prefix}/shared.dcm`, { start: 1000, end: 1999 }))).toEqual(data.subarray(1000, 2000));
      }
    });

    it('streams an object larger than one multipart part without changing a byte', async () => {
      const size = 20 * 1024 * 1024 + 12345;
      const { body, digest } = generatedBody(size);
      expect((await store.put(`${prefix}/big.bin`, body)).sizeBytes).toBe(size);
      const read = createHash('sha256');
      for await (const chunk of await store.get(`${prefix}/big.bin`)) read.update(chunk as Buffer);
      expect(read.digest('hex')).toBe(digest());
    });

    it('leaves nothing behind when the body fails mid-way', async () => {
      await expect(store.put(`${prefix}/broken/partial.dcm`, failingBody(12 * 1024 * 1024))).rejects.toThrow('the sender went away');
      expect(await store.stat(`${prefix}/broken/partial.dcm`)).toBeUndefined();
      const keys: string[] = [];
      for await (const key of store.list(`${prefix}/broken/`)) keys.push(key);
      expect(keys).toEqual([]);
    });

    it('reports a missing object as not found', async () => {
      await expect(store.get(`${prefix}/missing.dcm`)).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await store.stat(`${prefix}/missing.dcm`)).toBeUndefined();
    });

    it('lists by prefix and deletes idempotently', async () => {
      await store.put(`${prefix}/list/x/1`, Readable.from([Buffer.from('1')]));
      await store.put(`${prefix}/list/x/2`, Readable.from([Buffer.from('2')]));
      await store.put(`${prefix}/list/y/3`, Readable.from([Buffer.from('3')]));
      const keys: string[] = [];
      for await (const key of store.list(`${prefix}/list/x/`)) keys.push(key);
      expect(keys.sort()).toEqual([`${prefix}/list/x/1`, `${prefix}/list/x/2`]);
      await store.delete(`${prefix}/list/x/1`);
      await store.delete(`${prefix}/list/x/1`);
      expect(await store.stat(`${prefix}/list/x/1`)).toBeUndefined();
    });

    it('deletes many objects, missing ones too, in more than one batch, and leaves the others', async () => {
      const doomed = Array.from({ length: 7 }, (_, i) => `${prefix}/many/gone/${i}.dcm`);
      for (const key of [...doomed, `${prefix}/many/kept/1.dcm`, `${prefix}/many/gone-not/2.dcm`]) await store.put(key, Readable.from([Buffer.from(key)]));
      const keys = [...doomed.slice(0, 4), `${prefix}/many/never/1.dcm`, ...doomed.slice(4), `${prefix}/many/never/2.dcm`];

      await store.deleteMany(keys);

      const left: string[] = [];
      for await (const key of store.list(`${prefix}/many/`)) left.push(key);
      expect(left.sort()).toEqual([`${prefix}/many/gone-not/2.dcm`, `${prefix}/many/kept/1.dcm`]);
      expect(await readAll(await store.get(`${prefix}/many/kept/1.dcm`))).toEqual(Buffer.from(`${prefix}/many/kept/1.dcm`));
      // Again, all missing now; and nothing at all.
      await store.deleteMany(keys);
      await store.deleteMany([]);
    });

    it('deletes nothing when any of the keys is invalid', async () => {
      const keys = [`${prefix}/invalid/1.dcm`, `${prefix}/invalid/2.dcm`];
      for (const key of keys) await store.put(key, Readable.from([Buffer.from('x')]));
      for (const bad of ['../etc/passwd', 'a//b', '']) {
        await expect(store.deleteMany([...keys, bad])).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
      for (const key of keys) expect(await store.stat(key)).toEqual({ sizeBytes: 1 });
    });

    it('refuses keys that could escape the store', async () => {
      for (const key of ['../etc/passwd', '/abs', 'a/../../b', 'a//b', 'a/./b', '']) {
        await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidBlobKeyError);
      }
    });
  });
}
