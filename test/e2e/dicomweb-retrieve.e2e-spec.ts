import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { asExplicitLittleEndian, dataSetOf, pixelDataOf } from './support/dicom-files';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);
const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const JPEG_LOSSLESS_SV1 = '1.2.840.10008.1.2.4.70';
const RLE_LOSSLESS = '1.2.840.10008.1.2.5';
const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';

async function dcmtk(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { env: { ...process.env, TCP_NODELAY: '1' } });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return (e.stdout ?? '') + (e.stderr ?? '');
  }
}

describe.each(MODES)('DIMSE verification, WADO-RS and QIDO-RS against a running Tessera, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  let study: SyntheticStudy;
  // Two textured instances stored compressed by DCMTK: JPEG Lossless and RLE Lossless.
  let compressed: { study: string; series: string; files: { file: string; syntax: string; decoder: string }[] };
  let twelveBit: { study: string; series: string; file: string };
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `retrieve-${mode}-${process.pid}`);

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 6, { rows: 64, columns: 64, patientId: 'RET-1' });
    backing = await createBacking(mode, 'retrieve');
    tessera = await startTessera(`retrieve-${mode}`, backing.env);
    // Sent as Implicit VR Little Endian, so that default retrieval has to transcode.
    const outcomes = await storescu(tessera.dimsePort, 'TESSERA', study.files, IMPLICIT);
    expect(outcomes.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    const base = writeSyntheticStudy(path.join(dir, 'compressed'), 2, { rows: 16, columns: 16, patientId: 'RET-COMPRESSED', texture: true });
    const [toJpeg, toRle] = base.files as [string, string];
    compressed = {
      study: base.studyInstanceUID,
      series: base.seriesInstanceUID,
      files: [
        { file: path.join(dir, 'jpeg.dcm'), syntax: JPEG_LOSSLESS_SV1, decoder: 'dcmdjpeg' },
        { file: path.join(dir, 'rle.dcm'), syntax: RLE_LOSSLESS, decoder: 'dcmdrle' },
      ],
    };
    await run('dcmcjpeg', [toJpeg, path.join(dir, 'jpeg.dcm')]);
    await run('dcmcrle', [toRle, path.join(dir, 'rle.dcm')]);
    for (const { file, syntax } of compressed.files) expect(await storescu(tessera.dimsePort, 'TESSERA', [file], syntax)).toEqual([{ kind: 'status', status: 0 }]);
    // 12-bit JPEG Extended, which Tessera's 8-bit JPEG decoder cannot take.
    const twelve = writeSyntheticStudy(path.join(dir, 'twelve-bit'), 1, { rows: 16, columns: 16, patientId: 'RET-12BIT', texture: true });
    twelveBit = { study: twelve.studyInstanceUID, series: twelve.seriesInstanceUID, file: path.join(dir, 'jpeg-12bit.dcm') };
    await run('dcmcjpeg', ['+ee', twelve.files[0] as string, twelveBit.file]);
    expect(await storescu(tessera.dimsePort, 'TESSERA', [twelveBit.file], JPEG_EXTENDED)).toEqual([{ kind: 'status', status: 0 }]);
    await expectEventually(async () => {
      const res = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${study.studyInstanceUID}`);
      expect(((await res.json()) as Record<string, { Value?: unknown[] }>[])[0]?.['00201208']?.Value).toEqual([6]);
    }, { timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers C-ECHO, and rejects an association addressed to an AE title it does not serve', async () => {
    expect(await dcmtk('echoscu', ['-v', '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort)])).toContain('Received Echo Response (Success)');
    expect(await dcmtk('echoscu', ['-v', '-aec', 'SOMEONE', '127.0.0.1', String(tessera.dimsePort)])).toContain('Called AE Title Not Recognized');
  });

  it('retrieves a study as stored and a series as Explicit VR Little Endian by default, with metadata and bulk data (dicomweb-client)', async () => {
    const sources = Object.fromEntries(study.files.map((f) => [sopOf(f), f]));
    const [facts] = await runPeer<Record<string, unknown>[]>('dicomweb_peer.py', ['retrieve'], [{ base: tessera.dicomweb, token: await tessera.token('radiologist'), study: study.studyInstanceUID, series: study.seriesInstanceUID, sources }]);
    expect(facts).toEqual({
      studyParts: 6,
      storedSyntaxes: [IMPLICIT],
      seriesParts: 6,
      defaultSyntaxes: [EXPLICIT],
      pixelsUnchanged: true,
      patientName: 'Synthetic^Patient',
      studyMetadata: 6,
      seriesMetadata: 6,
      bulkUriAbsolute: true,
      bulkMatchesPixels: true,
    });
  });

  it('decodes JPEG Lossless and RLE instances to Explicit VR Little Endian when no transfer syntax is asked for, as DCMTK decodes them (dicomweb-client, WADO-URI)', async () => {
    const viaClient = path.join(dir, 'decoded-by-tessera');
    fs.mkdirSync(viaClient, { recursive: true });
    const [facts] = await runPeer<Record<string, unknown>[][]>('dicomweb_peer.py', ['decoded'], [{ base: tessera.dicomweb, token: await tessera.token('radiologist'), study: compressed.study, series: compressed.series, out: viaClient }]);
    const sops = compressed.files.map(({ file }) => dataSetOf(file).sop);
    expect(new Set(facts)).toEqual(new Set(sops.map((sop) => ({ sop, transferSyntax: EXPLICIT, photometric: 'MONOCHROME2' }))));
    for (const [i, { file, syntax, decoder }] of compressed.files.entries()) {
      const sop = sops[i] as string;
      expect(dataSetOf(file).transferSyntax).toBe(syntax);
      const want = path.join(dir, `${decoder}.dcm`);
      await run(decoder, [file, want]);
      expect(pixelDataOf(path.join(viaClient, `${sop}.dcm`)).equals(pixelDataOf(want))).toBe(true);
      const ids = { requestType: 'WADO', studyUID: compressed.study, seriesUID: compressed.series, objectUID: sop, contentType: 'application/dicom' };
      const res = await tessera.fetch(`${tessera.dicomweb}/wado?${new URLSearchParams(ids).toString()}`);
      expect(res.status).toBe(200);
      const viaUri = path.join(dir, `${decoder}-wado-uri.dcm`);
      fs.writeFileSync(viaUri, Buffer.from(await res.arrayBuffer()));
      expect(dataSetOf(viaUri).transferSyntax).toBe(EXPLICIT);
      // Every element as DCMTK's decode has it, not only the pixels.
      expect(await asExplicitLittleEndian(viaUri, path.join(dir, `${decoder}-got.dcm`))).toBe(await asExplicitLittleEndian(want, path.join(dir, `${decoder}-want.dcm`)));
      // Asked for as stored, it is the stored data set.
      const stored = await tessera.fetch(`${tessera.dicomweb}/wado?${new URLSearchParams({ ...ids, transferSyntax: syntax }).toString()}`);
      expect(dataSetOf(Buffer.from(await stored.arrayBuffer())).sha256).toBe(dataSetOf(file).sha256);
    }
  });

  it('answers 406 with the decoder\'s reason for pixel data it cannot decode, and sends it as stored on request', async () => {
    const sop = dataSetOf(twelveBit.file).sop;
    expect(dataSetOf(twelveBit.file).transferSyntax).toBe(JPEG_EXTENDED);
    const instance = `${tessera.dicomweb}/studies/${twelveBit.study}/series/${twelveBit.series}/instances/${sop}`;
    const refused = await tessera.fetch(instance, { headers: { Accept: 'multipart/related; type="application/dicom"' } });
    expect(refused.status).toBe(406);
    expect(((await refused.json()) as { message: string }).message).toMatch(new RegExp(`${sop} is stored as JPEG Extended.*cannot be decoded to Explicit VR Little Endian: .*12.*transfer-syntax=\\*`));
    const ids = { requestType: 'WADO', studyUID: twelveBit.study, seriesUID: twelveBit.series, objectUID: sop, contentType: 'application/dicom' };
    expect((await tessera.fetch(`${tessera.dicomweb}/wado?${new URLSearchParams(ids).toString()}`)).status).toBe(406);
    const asStored = await tessera.fetch(instance, { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
    expect(asStored.status).toBe(200);
    expect(asStored.headers.get('content-type')).toContain('multipart/related');
  });

  it('honours QIDO-RS matching, includefield, limit and offset over HTTP', async () => {
    const qido = async (query: string) => {
      const res = await tessera.fetch(`${tessera.dicomweb}/${query}`, { headers: { Accept: 'application/dicom+json' } });
      expect(res.headers.get('content-type')).toBe('application/dicom+json');
      return (await res.json()) as Record<string, { Value?: unknown[] }>[];
    };
    const [byName] = await qido('studies?PatientName=synth*&StudyDate=20240101-20251231&includefield=StudyDescription');
    expect(byName?.['00081030']?.Value).toEqual(['Synthetic chest CT']);
    expect(byName?.['00080061']?.Value).toEqual(['CT']);
    expect(await qido('studies?StudyDate=20260101-')).toEqual([]);
    const instances = `studies/${study.studyInstanceUID}/series/${study.seriesInstanceUID}/instances`;
    const numbers = async (q: string) => (await qido(`${instances}?${q}`)).map((m) => m['00200013']?.Value?.[0]);
    expect(await numbers('limit=4')).toEqual([1, 2, 3, 4]);
    expect(await numbers('limit=4&offset=4')).toEqual([5, 6]);
    expect(await numbers(`SOPInstanceUID=${sopOf(study.files[2] as string)},${sopOf(study.files[4] as string)}`)).toEqual([3, 5]);
    const bad = await tessera.fetch(`${tessera.dicomweb}/studies?StudyDate=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('not a valid DA');
    const notAcceptable = await tessera.fetch(`${tessera.dicomweb}/studies`, { headers: { Accept: 'application/pdf' } });
    expect(notAcceptable.status).toBe(406);
  });
});

// The synthetic files are named by instance number; their SOP Instance UID is in the Part 10 header.
function sopOf(file: string): string {
  const bytes = fs.readFileSync(file);
  const at = bytes.indexOf(Buffer.from([0x02, 0x00, 0x03, 0x00]));
  const length = bytes.readUInt16LE(at + 6);
  return bytes.toString('latin1', at + 8, at + 8 + length).replace(/\0$/, '');
}
