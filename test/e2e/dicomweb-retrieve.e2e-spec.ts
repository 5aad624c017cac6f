import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, type SyntheticStudy, writeSyntheticStudy } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);
const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';

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
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `retrieve-${mode}-${process.pid}`);

  beforeAll(async () => {
    study = writeSyntheticStudy(dir, 6, { rows: 64, columns: 64, patientId: 'RET-1' });
    backing = await createBacking(mode, 'retrieve');
    tessera = await startTessera(`retrieve-${mode}`, backing.env);
    // Sent as Implicit VR Little Endian, so that default retrieval has to transcode.
    const outcomes = await storescu(tessera.dimsePort, 'TESSERA', study.files, IMPLICIT);
    expect(outcomes.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
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
