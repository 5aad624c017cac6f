import { DimseStatus } from '@tessera/dicom';
import { repoRoot } from '@tessera/testing';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

const run = promisify(execFile);
const DCMTK_ENV = { ...process.env, TCP_NODELAY: '1' };

type Json = Record<string, unknown>;
interface MwlResult {
  associated: boolean;
  accepted?: boolean;
  rejected?: number[];
  statuses: (number | null)[];
  matches: Json[];
}

interface Step {
  patientId: string;
  patientName: Json;
  station: string;
  date: string;
  time: string;
  modality?: string;
  status?: string;
  accession?: string;
}

/** A worklist item as a RIS would POST it: DICOM JSON without the identifiers the server fills in. */
function item(s: Step): Json {
  return {
    ...(s.accession ? { '00080050': { vr: 'SH', Value: [s.accession] } } : {}),
    '00080090': { vr: 'PN', Value: [{ Alphabetic: 'Referring^Doctor' }] },
    '00100010': { vr: 'PN', Value: [s.patientName] },
    '00100020': { vr: 'LO', Value: [s.patientId] },
    '00100030': { vr: 'DA', Value: ['19700101'] },
    '00100040': { vr: 'CS', Value: ['F'] },
    '00321060': { vr: 'LO', Value: [`${s.modality ?? 'CT'} examination`] },
    '00401001': { vr: 'SH', Value: [`RP-${s.patientId}`] },
    '00400100': {
      vr: 'SQ',
      Value: [
        {
          '00080060': { vr: 'CS', Value: [s.modality ?? 'CT'] },
          '00400001': { vr: 'AE', Value: [s.station] },
          '00400002': { vr: 'DA', Value: [s.date] },
          '00400003': { vr: 'TM', Value: [s.time] },
          '00400006': { vr: 'PN', Value: [{ Alphabetic: 'Performing^Tech' }] },
          '00400007': { vr: 'LO', Value: ['Scheduled step'] },
          ...(s.status ? { '00400020': { vr: 'CS', Value: [s.status] } } : {}),
        },
      ],
    },
  };
}

const JAPANESE = { Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' };
const JAPANESE_TEXT = 'Yamada^Tarou=山田^太郎=やまだ^たろう';

describe.each(MODES)('Modality Worklist SCP with DCMTK findscu -W and pynetdicom, items over REST, %s', (mode) => {
  let backing: Backing;
  let tessera: Tessera;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `worklist-${mode}-${process.pid}`);
  const items = (tenant?: string) => `${tessera.baseUrl}${tenant ? `/tenants/${tenant}` : ''}/worklist/items`;
  const post = (body: unknown, tenant?: string) => tessera.fetch(items(tenant), { method: 'POST', headers: { 'content-type': 'application/dicom+json' }, body: JSON.stringify(body) });
  const find = (identifier: Json, extra: { callingAet?: string; aet?: string; charset?: string | string[]; cancelAfter?: number } = {}) =>
    runPeer<MwlResult>('mwl_peer.py', ['find'], { port: tessera.dimsePort, aet: 'TESSERA', callingAet: 'CT1', identifier, ...extra });
  const spsId = (m: Json) => ((m.ScheduledProcedureStepSequence as Json[])[0] as Json).ScheduledProcedureStepID;

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    backing = await createBacking(mode, 'worklist');
    tessera = await startTessera(`worklist-${mode}`, { ...backing.env, TESSERA_TENANTS: 'default,st-john', DIMSE_AE_TITLES: 'JOHN_PACS=st-john' });
    const register = async (aeTitle: string, allowedOperations: string[]): Promise<void> => {
      const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/application-entities/${aeTitle}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: '127.0.0.1', port: 104, allowedOperations }) });
      expect(res.ok).toBe(true);
    };
    await register('CT1', ['ECHO', 'STORE', 'WORKLIST']);
    await register('NOWL', ['ECHO', 'FIND']);

    const steps: [string, Step][] = [
      ['night-jp', { patientId: 'MWL-JP', patientName: JAPANESE, station: 'CT1', date: '20240301', time: '2300', accession: 'ACC-JP' }],
      ['night-de', { patientId: 'MWL-DE', patientName: { Alphabetic: 'Müller^Hans' }, station: 'CT1', date: '20240302', time: '0500' }],
      ['day', { patientId: 'MWL-DAY', patientName: { Alphabetic: 'Day^Shift' }, station: 'CT1', date: '20240302', time: '1000' }],
      ['mr', { patientId: 'MWL-MR', patientName: { Alphabetic: 'Other^Room' }, station: 'MR1', date: '20240302', time: '0400', modality: 'MR' }],
      ['started', { patientId: 'MWL-STARTED', patientName: { Alphabetic: 'Already^Started' }, station: 'CT1', date: '20240302', time: '0300', status: 'STARTED' }],
    ];
    for (const [, step] of steps) expect((await post(item(step))).status).toBe(201);
    // Another hospital schedules on a station of the same name.
    expect((await post(item({ patientId: 'JOHN-1', patientName: { Alphabetic: 'John^Patient' }, station: 'CT1', date: '20240302', time: '0100' }), 'st-john')).status).toBe(201);
    // A long worklist, so that a C-CANCEL arrives while the SCP is still answering.
    for (let start = 0; start < 1000; start += 20) {
      const batch = Array.from({ length: 20 }, (_, k) => post(item({ patientId: `BULK-${start + k}`, patientName: { Alphabetic: `Bulk^${start + k}` }, station: 'BULK', date: '20240305', time: '0800' })));
      expect((await Promise.all(batch)).every((r) => r.status === 201)).toBe(true);
    }
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers DCMTK findscu -W by station, combined date-time range and modality with exactly the requested keys', async () => {
    const out = path.join(dir, `findscu-${mode}`);
    fs.mkdirSync(out, { recursive: true });
    const sps = (key: string) => ['-k', `ScheduledProcedureStepSequence[0].${key}`];
    await run(
      'findscu',
      [
        '-W', '-X', '-od', out, '-aet', 'CT1', '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort),
        '-k', 'SpecificCharacterSet=ISO_IR 192', '-k', 'PatientName', '-k', 'PatientID', '-k', 'AccessionNumber',
        ...sps('ScheduledStationAETitle=CT1'), ...sps('ScheduledProcedureStepStartDate=20240301-20240302'), ...sps('ScheduledProcedureStepStartTime=2200-0600'),
        ...sps('Modality=CT'), ...sps('ScheduledProcedureStepID'),
      ],
      { env: DCMTK_ENV },
    );
    const dumps = await Promise.all(fs.readdirSync(out).sort().map(async (f) => (await run('dcmdump', [path.join(out, f)])).stdout));
    // 23:00 on the 1st and 05:00 on the 2nd; not 10:00 (outside the span), not the MR, not the STARTED step, not St John's.
    expect(dumps).toHaveLength(2);
    expect(dumps[0]).toContain('[MWL-JP]');
    expect(dumps[0]).toContain(`[${JAPANESE_TEXT}]`);
    expect(dumps[0]).toContain('[ACC-JP]');
    expect(dumps[1]).toContain('[MWL-DE]');
    expect(dumps[1]).toContain('[Müller^Hans]');
    for (const dump of dumps) {
      const data = dump.slice(dump.indexOf('# Dicom-Data-Set'));
      const tags = [...data.matchAll(/^\s*\((\w{4},\w{4})\)/gm)].map((m) => m[1]);
      // Specific Character Set, the three patient/request keys, and the step with its five keys.
      expect(tags).toEqual(['0008,0005', '0008,0050', '0010,0010', '0010,0020', '0040,0100', 'fffe,e000', '0008,0060', '0040,0001', '0040,0002', '0040,0003', '0040,0009', 'fffe,e00d', 'fffe,e0dd']);
      expect(data).toMatch(/\(0008,0005\) CS \[ISO_IR 192\]/);
      expect(data).toMatch(/\(0040,0009\) SH \[[0-9A-F]{16}\]/);
    }
  });

  it('answers pynetdicom in its ISO 2022 character set, with the step keys inside the item, and each tenant its own', async () => {
    const identifier = {
      PatientName: '',
      PatientID: '',
      StudyInstanceUID: '',
      RequestedProcedureDescription: '',
      ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: 'CT1', ScheduledProcedureStepStartDate: '20240301-20240302', Modality: 'CT', ScheduledProcedureStepStartTime: '', ScheduledPerformingPhysicianName: '', ScheduledProcedureStepStatus: '' }],
    };
    const result = await find(identifier, { charset: ['', 'ISO 2022 IR 87'] });
    expect(result.statuses.at(-1)).toBe(DimseStatus.Success);
    expect(result.matches.map((m) => m.PatientID)).toEqual(['MWL-JP', 'MWL-DE', 'MWL-DAY']);
    const [jp, de] = result.matches as [Json, Json];
    expect([jp.PatientName, jp.SpecificCharacterSet]).toEqual([JAPANESE_TEXT, ['', 'ISO 2022 IR 87']]);
    // ü is not in JIS X 0208, so that response is in UTF-8 (PS3.4 K.4.1.1.3).
    expect([de.PatientName, de.SpecificCharacterSet]).toEqual(['Müller^Hans', 'ISO_IR 192']);
    expect(Object.keys(jp).sort()).toEqual(['PatientID', 'PatientName', 'RequestedProcedureDescription', 'ScheduledProcedureStepSequence', 'SpecificCharacterSet', 'StudyInstanceUID']);
    expect((jp.ScheduledProcedureStepSequence as Json[])[0]).toEqual({
      Modality: 'CT',
      ScheduledPerformingPhysicianName: 'Performing^Tech',
      ScheduledProcedureStepStartDate: '20240301',
      ScheduledProcedureStepStartTime: '2300',
      ScheduledProcedureStepStatus: 'SCHEDULED',
      ScheduledStationAETitle: 'CT1',
    });
    const john = await find(identifier, { aet: 'JOHN_PACS' });
    expect(john.matches.map((m) => m.PatientID)).toEqual(['JOHN-1']);
  });

  it('returns steps that are under way only when the identifier asks for their status', async () => {
    const started = await find({ PatientID: '', ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: 'CT1', ScheduledProcedureStepStatus: 'STARTED' }] });
    expect(started.matches.map((m) => m.PatientID)).toEqual(['MWL-STARTED']);
    const any = await find({ PatientID: 'MWL-S*', ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: 'CT1' }] });
    expect(any.matches).toEqual([]);
  });

  it('stops on C-CANCEL with status FE00', async () => {
    const result = await find({ PatientID: '', ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: 'BULK' }] }, { cancelAfter: 3 });
    expect(result.statuses.at(-1)).toBe(DimseStatus.Cancel);
    expect(result.matches.length).toBeGreaterThanOrEqual(3);
    expect(result.matches.length).toBeLessThan(1000);
  });

  it('refuses malformed identifiers with A900, from pynetdicom and from DCMTK', async () => {
    const twoSteps = await find({ PatientID: '', ScheduledProcedureStepSequence: [{ Modality: 'CT' }, { Modality: 'MR' }] });
    expect(twoSteps.statuses).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
    const badDate = await find({ PatientID: '', ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: '20240301-20240302-20240303' }] });
    expect(badDate.statuses).toEqual([DimseStatus.DataSetDoesNotMatchSopClass]);
    const out = await run('findscu', ['-W', '-v', '-aet', 'CT1', '-aec', 'TESSERA', '127.0.0.1', String(tessera.dimsePort), '-k', 'PatientID', '-k', 'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime=25:00'], { env: DCMTK_ENV }).catch(
      (e: { stdout?: string; stderr?: string }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    expect(`${out.stdout}${out.stderr}`).toContain('Received Final Find Response (Error: DataSetDoesNotMatchSOPClass)');
  });

  it('rejects the worklist context of a registered AE that may not use the worklist', async () => {
    const refused = await find({ PatientID: '', ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: 'CT1' }] }, { callingAet: 'NOWL' });
    // PS3.8 9.3.3.2: result 1, user rejection.
    expect(refused).toMatchObject({ associated: true, accepted: false, rejected: [1] });
  });

  it('keeps items over REST: DICOM JSON, Location, conflicts, replacement, filters, removal, and errors naming the attribute', async () => {
    const created = await post(item({ patientId: 'REST-1', patientName: { Alphabetic: 'Rest^One' }, station: 'US1', date: '20240310', time: '0900', modality: 'US' }));
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/dicom+json');
    const location = created.headers.get('location') as string;
    expect(location).toMatch(new RegExp(`^${tessera.baseUrl}/worklist/items/2\\.25\\.\\d+/[0-9A-F]{16}$`));
    const body = (await created.json()) as Json;
    expect(await (await tessera.fetch(location)).json()).toEqual(body);

    expect((await post(body)).status).toBe(409);
    const arrived = structuredClone(body) as { '00400100': { Value: Json[] } };
    (arrived['00400100'].Value[0] as Json)['00400020'] = { vr: 'CS', Value: ['ARRIVED'] };
    const put = await tessera.fetch(location, { method: 'PUT', headers: { 'content-type': 'application/dicom+json' }, body: JSON.stringify(arrived) });
    expect(put.status).toBe(200);
    const listed = (await (await tessera.fetch(`${items()}?Modality=US&ScheduledProcedureStepStartDate=20240301-20240331&ScheduledProcedureStepStatus=ARRIVED`)).json()) as Json[];
    expect(listed).toEqual([arrived]);
    expect(await (await tessera.fetch(`${items('st-john')}?PatientID=REST-1`)).json()).toEqual([]);
    const mwl = await find({ PatientID: 'REST-1', ScheduledProcedureStepSequence: [{ ScheduledProcedureStepID: '', ScheduledProcedureStepStatus: '' }] });
    expect(mwl.matches.map(spsId)).toEqual([location.split('/').at(-1)]);

    expect((await tessera.fetch(location, { method: 'DELETE' })).status).toBe(204);
    expect((await tessera.fetch(location)).status).toBe(404);
    expect((await find({ PatientID: 'REST-1' })).matches).toEqual([]);

    const errors: [unknown, string, number][] = [
      [{ ...item({ patientId: 'X', patientName: { Alphabetic: 'X^Y' }, station: 'CT1', date: '20240301', time: '0800' }), '00100020': { vr: 'LO' } }, 'PatientID (0010,0020) is required', 400],
      [{ ...item({ patientId: 'X', patientName: { Alphabetic: 'X^Y' }, station: 'CT1', date: '2024-03-01', time: '0800' }) }, 'ScheduledProcedureStepStartDate (0040,0002)', 400],
      [{ ...item({ patientId: 'X', patientName: { Alphabetic: 'X^Y' }, station: 'CT1', date: '20240301', time: '0800' }), '00400100': { vr: 'SQ', Value: [] } }, 'ScheduledProcedureStepSequence (0040,0100) must hold exactly one item', 400],
    ];
    for (const [invalid, message, status] of errors) {
      const res = await post(invalid);
      expect([res.status, ((await res.json()) as { message: string }).message]).toEqual([status, expect.stringContaining(message)]);
    }
    const notJson = await tessera.fetch(items(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(notJson.status).toBe(415);
    expect((await tessera.fetch(`${items()}?PatientBirthDate=19700101`)).status).toBe(400);
    expect((await tessera.fetch(`${items()}/1.2.3/${'X'.repeat(17)}`)).status).toBe(400);
    expect((await tessera.fetch(`${tessera.baseUrl}/tenants/nowhere/worklist/items`)).status).toBe(404);
  });
});
