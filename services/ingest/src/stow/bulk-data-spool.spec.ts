import { DicomError } from '@tessera/dicom';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { BulkDataSpool, SpoolUnavailableError } from './bulk-data-spool';

describe('BulkDataSpool', () => {
  let parent: string;
  let spool: BulkDataSpool;

  beforeEach(async () => {
    parent = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-spool-spec-'));
    spool = await BulkDataSpool.create(parent);
  });
  afterEach(async () => fs.rm(parent, { recursive: true, force: true }));

  const add = (headers: Record<string, string>, bytes: string) => spool.add(headers, Readable.from([Buffer.from(bytes)]));

  it('finds a part by Content-Location or as cid: by Content-ID, and reads it from its file', async () => {
    await add({ 'content-type': 'application/octet-stream', 'content-location': 'https://client/bulk/1', 'content-id': '<one@client>' }, 'native bytes');
    const byLocation = spool.resolve('https://client/bulk/1');
    expect(byLocation).toMatchObject({ kind: 'native', source: { sizeBytes: 12 } });
    if (byLocation?.kind !== 'native') throw new Error('not native');
    expect((await buffer(byLocation.source.open())).toString()).toBe('native bytes');
    expect(spool.resolve('cid:one@client')).toMatchObject({ kind: 'native' });
    expect(spool.resolve('https://client/bulk/2')).toBeUndefined();
  });

  it('takes the parts under one location as frames, in the transfer syntax of their media type or parameter', async () => {
    await add({ 'content-type': 'image/jpeg', 'content-location': 'frames' }, 'frame one');
    await add({ 'content-type': 'image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50', 'content-location': 'frames' }, 'frame two');
    await add({ 'content-type': 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.90', 'content-location': 'j2k' }, 'j2k');
    expect(spool.resolve('frames')).toMatchObject({ kind: 'frames', transferSyntaxUID: '1.2.840.10008.1.2.4.50', frames: [{ sizeBytes: 9 }, { sizeBytes: 9 }] });
    expect(spool.resolve('j2k')).toMatchObject({ kind: 'frames', transferSyntaxUID: '1.2.840.10008.1.2.4.90' });
  });

  it('refuses media types no transfer syntax encapsulates, big endian values, mixed frames and shared native locations', async () => {
    await add({ 'content-type': 'image/png', 'content-location': 'png' }, 'png');
    await add({ 'content-type': 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.2', 'content-location': 'be' }, 'be');
    await add({ 'content-type': 'image/jpeg', 'content-location': 'mixed' }, 'a');
    await add({ 'content-type': 'image/jls', 'content-location': 'mixed' }, 'b');
    await add({ 'content-location': 'twice' }, 'a');
    await add({ 'content-location': 'twice' }, 'b');
    for (const uri of ['png', 'be', 'mixed', 'twice']) expect(() => spool.resolve(uri)).toThrow(DicomError);
  });

  it('leaves nothing behind once disposed', async () => {
    await add({ 'content-location': 'x' }, 'bytes');
    await spool.dispose();
    expect(await fs.readdir(parent)).toEqual([]);
  });

  it('tells a directory that cannot take the part from a body that fails', async () => {
    await spool.dispose();
    await expect(add({ 'content-location': 'x' }, 'bytes')).rejects.toBeInstanceOf(SpoolUnavailableError);
    const failing = new Readable({ read() { this.destroy(new Error('client went away')); } });
    const other = await BulkDataSpool.create(parent);
    await expect(other.add({}, failing)).rejects.toThrow('client went away');
    await expect(BulkDataSpool.create(path.join(parent, 'no', 'such'))).rejects.toBeInstanceOf(SpoolUnavailableError);
  });
});
