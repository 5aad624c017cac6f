import { expectEventually } from '@tessera/testing';
import * as path from 'node:path';
import { runPeer } from './support/python';
import { createBacking, MODES, pydicomTestFiles, startTessera, type Backing, type Tessera } from './support/tessera';

// A native multi-frame object (Implicit VR LE, 15 frames of 32 bits) and an encapsulated one (JPEG
// Baseline, 30 frames behind a Basic Offset Table), from pydicom's test files.
const NATIVE = 'rtdose.dcm';
const JPEG = 'examples_ybr_color.dcm';

interface Stored {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly path: string;
}

describe.each(MODES)('WADO-RS frames and bulk data byte ranges, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  const objects: Record<string, Stored> = {};

  beforeAll(async () => {
    backing = await createBacking(mode, 'frames');
    tessera = await startTessera(`frames-${mode}`, backing.env);
    const token = await tessera.token('technologist');
    const files = [NATIVE, JPEG].map((f) => path.join(pydicomTestFiles(), f));
    const stowed = await runPeer<{ http: number; referenced: string[] }[]>('dicomweb_peer.py', ['stow'], files.map((p) => ({ path: p, base: tessera.dicomweb, token })));
    expect(stowed.map((s) => s.http)).toEqual([200, 200]);
    for (const [k, file] of files.entries()) {
      const sop = stowed[k]?.referenced[0] as string;
      await expectEventually(async () => {
        const res = await tessera.fetch(`${tessera.dicomweb}/instances?SOPInstanceUID=${sop}&includefield=0020000D,0020000E`);
        const [found] = (await res.json()) as Record<string, { Value: string[] }>[];
        expect(found).toBeDefined();
        objects[path.basename(file)] = { study: found?.['0020000D']?.Value[0] as string, series: found?.['0020000E']?.Value[0] as string, sop, path: file };
      }, { timeoutMs: 60_000 });
    }
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
  });

  const instanceUrl = (o: Stored): string => `${tessera.dicomweb}/studies/${o.study}/series/${o.series}/instances/${o.sop}`;

  it('serves frames equal to what pydicom reads from the original files, as stored and decoded (dicomweb-client)', async () => {
    const token = await tessera.token('radiologist');
    const items = [
      { ...objects[NATIVE], frames: [1, 7, 15] },
      { ...objects[JPEG], frames: [2, 30, 1] },
    ].map((o) => ({ base: tessera.dicomweb, token, ...o }));
    expect(await runPeer('dicomweb_frames_peer.py', ['compare'], items)).toEqual([
      { syntax: '1.2.840.10008.1.2', default: true, explicitLittleEndian: true },
      { syntax: '1.2.840.10008.1.2.4.50', default: true, byMediaType: true, decodedClose: true },
    ]);
  });

  it('answers 400 for a bad frame list, 404 beyond Number of Frames, 406 for a media type it cannot make', async () => {
    const jpeg = objects[JPEG] as Stored;
    const status = async (suffix: string, accept = 'multipart/related; type="image/jpeg"') => (await tessera.fetch(`${instanceUrl(jpeg)}/frames/${suffix}`, { headers: { Accept: accept } })).status;
    expect(await status('0')).toBe(400);
    expect(await status('1,x')).toBe(400);
    expect(await status('31')).toBe(404);
    const refused = await tessera.fetch(`${instanceUrl(jpeg)}/frames/1`, { headers: { Accept: 'multipart/related; type="image/jls"' } });
    expect(refused.status).toBe(406);
    expect(((await refused.json()) as { message: string }).message).toContain('image/jpeg (transfer-syntax=1.2.840.10008.1.2.4.50)');
  });

  it('honours one byte range of bulk data with 206, and answers 416 outside it', async () => {
    const native = objects[NATIVE] as Stored;
    const metadata = (await (await tessera.fetch(`${instanceUrl(native)}/metadata`)).json()) as Record<string, { BulkDataURI?: string }>[];
    const uri = metadata[0]?.['7FE00010']?.BulkDataURI as string;
    const accept = 'multipart/related; type="application/octet-stream"';
    const whole = await tessera.fetch(uri, { headers: { Accept: accept } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const all = partBody(Buffer.from(await whole.arrayBuffer()));
    expect(all.length).toBe(6000);

    const part = await tessera.fetch(uri, { headers: { Accept: accept, Range: 'bytes=400-799' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 400-799/6000');
    expect(partBody(Buffer.from(await part.arrayBuffer()))).toEqual(all.subarray(400, 800));

    const outside = await tessera.fetch(uri, { headers: { Accept: accept, Range: 'bytes=6000-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */6000');
  });
});

// The body of the one part of a multipart/related response.
function partBody(body: Buffer): Buffer {
  const start = body.indexOf('\r\n\r\n') + 4;
  const end = body.lastIndexOf('\r\n--', body.length - 3);
  return body.subarray(start, end);
}
