import { AuditTrail, TypeormAuditStore } from '@tessera/audit';
import { S3BlobStore, type BlobStore } from '@tessera/blob-store';
import { TypeormObjectCatalog } from '@tessera/catalog';
import { parseQidoQuery } from '@tessera/dicom';
import { TypeormPatientErasure } from '@tessera/erasure';
import { TypeormInstanceIndex } from '@tessera/index-store';
import { silentLogger } from '@tessera/telemetry';
import { createPostgresTestDatabase, requireInfra, type TestDatabase } from '@tessera/testing';
import { randomInt } from 'node:crypto';
import { Readable } from 'node:stream';
import { ErasePatientUseCase } from './erase-patient.use-case';
import { FinishErasureUseCase } from './finish-erasure.use-case';
import { ResumeErasuresUseCase } from './resume-erasures.use-case';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const REASON = 'GDPR Art. 17 request #4711';

function s3(port?: number): S3BlobStore {
  const infra = requireInfra();
  const endpoint = new URL(infra.s3Endpoint);
  return new S3BlobStore({
    endPoint: endpoint.hostname,
    port: port ?? Number(endpoint.port),
    useSSL: false,
    accessKey: infra.s3AccessKey,
    secretKey: infra.s3SecretKey,
    region: 'us-east-1',
    bucket: 'tessera-erasure-int',
  });
}

// Objects in S3 and rows in PostgreSQL as the ingest and index roles leave them.
async function store(t: TestDatabase, blobs: BlobStore, patientID: string, study: string, count: number): Promise<string[]> {
  const catalog = new TypeormObjectCatalog(t.db);
  const index = new TypeormInstanceIndex(t.db);
  const keys: string[] = [];
  for (let i = 1; i <= count; i++) {
    const sop = `${study}.1.${i}`;
    const objectKey = `default/${study}/${study}.1/${sop}/v1.dcm`;
    const { sizeBytes } = await blobs.put(objectKey, Readable.from([Buffer.from(`DICM ${sop}`)]));
    const object = { tenant: 'default', studyInstanceUID: study, seriesInstanceUID: `${study}.1`, sopInstanceUID: sop, sopClassUID: CT, transferSyntaxUID: '1.2.840.10008.1.2.1', objectKey, sizeBytes, datasetOffset: 0, datasetSha256: 'a'.repeat(64), storedAt: new Date() };
    await catalog.record(object, []);
    await index.index({
      ...object,
      metadata: {
        '00080016': { vr: 'UI', Value: [CT] },
        '00080018': { vr: 'UI', Value: [sop] },
        '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John' }] },
        '00100020': { vr: 'LO', Value: [patientID] },
        '0020000D': { vr: 'UI', Value: [study] },
        '0020000E': { vr: 'UI', Value: [`${study}.1`] },
      },
    });
    keys.push(objectKey);
  }
  return keys;
}

async function exists(blobs: BlobStore, keys: readonly string[]): Promise<boolean[]> {
  return Promise.all(keys.map(async (k) => (await blobs.stat(k)) !== undefined));
}

// Real PostgreSQL and a real S3 server (scripts/infra): the rows, the objects and the audit trail.
describe('erasing a patient (PostgreSQL, S3)', () => {
  let t: TestDatabase;
  let blobs: S3BlobStore;
  let study: string;

  beforeAll(async () => {
    blobs = s3();
    await blobs.init();
  });
  beforeEach(async () => {
    t = await createPostgresTestDatabase(['default']);
    study = `2.25.${randomInt(1, 2 ** 47)}`;
  });
  afterEach(async () => t.drop());

  const setUp = (objectStore: BlobStore) => {
    const erasures = new TypeormPatientErasure(t.db);
    const audit = new TypeormAuditStore(t.db);
    const trail = new AuditTrail(audit, undefined, { source: { auditSourceId: 'tessera@int' } });
    const finish = new FinishErasureUseCase(erasures, objectStore, trail);
    return { erasures, audit, trail, erase: new ErasePatientUseCase(erasures, finish, () => undefined, silentLogger, { source: 'index@int' }) };
  };
  const command = { tenant: 'default', patient: { patientID: 'ERASE-ME', issuerOfPatientID: '' }, reason: REASON, requestedBy: { userId: 'admin-sub', isRequestor: true }, correlationId: 'c-1' };

  it('deletes the rows, then every object from S3, and audits it with the reason; another patient keeps everything', async () => {
    const mine = await store(t, blobs, 'ERASE-ME', study, 3);
    const theirs = await store(t, blobs, 'KEEP-ME', `${study}.2`, 1);
    const { erase, audit } = setUp(blobs);

    expect(await erase.execute(command)).toMatchObject({ kind: 'erased', studyInstanceUIDs: [study], objects: 3, finished: true });

    expect(await exists(blobs, mine)).toEqual([false, false, false]);
    expect(await exists(blobs, theirs)).toEqual([true]);
    const index = new TypeormInstanceIndex(t.db);
    expect((await index.searchStudies('default', parseQidoQuery('STUDY', [['PatientID', 'ERASE-ME']]), 10)).items).toEqual([]);
    expect((await index.searchStudies('default', parseQidoQuery('STUDY', [['PatientID', 'KEEP-ME']]), 10)).items).toHaveLength(1);
    const records = await audit.search({ tenant: 'default', patientId: 'ERASE-ME', limit: 10 });
    expect(records.map((r) => r.eventType).sort()).toEqual(['110105', '110110']);
    for (const r of records) expect(r.message).toContain(Buffer.from(REASON).toString('base64'));
    const [outbox] = (await t.db.dataSource.query(`SELECT envelope FROM outbox_event WHERE topic = 'tessera.patients'`)) as { envelope: { type: string; data: unknown } }[];
    expect(outbox?.envelope).toMatchObject({ type: 'patient.erased.v1', data: { patient: command.patient, studyInstanceUIDs: [study] } });
    await blobs.delete(theirs[0] as string);
  });

  it('when S3 is unreachable, erases the rows, answers unfinished, and the sweep deletes the objects later', async () => {
    const mine = await store(t, blobs, 'ERASE-ME', study, 2);
    // A port nothing listens on: deleting fails as with an S3 server that is down.
    const down = setUp(s3(1));

    expect(await down.erase.execute(command)).toMatchObject({ kind: 'erased', finished: false });
    const [rows] = (await t.db.dataSource.query(`SELECT count(*)::int AS n FROM instance`)) as { n: number }[];
    expect(rows?.n).toBe(0);
    expect(await exists(blobs, mine)).toEqual([true, true]);

    const { erasures, trail, audit } = setUp(blobs);
    const resume = new ResumeErasuresUseCase(erasures, new FinishErasureUseCase(erasures, blobs, trail), silentLogger);
    expect(await resume.execute(new Date(Date.now() + 61_000))).toBe(1);
    expect(await exists(blobs, mine)).toEqual([false, false]);
    // Audited once, by whichever run got that far first.
    expect(await audit.search({ tenant: 'default', patientId: 'ERASE-ME', limit: 10 })).toHaveLength(2);
    expect(await erasures.unfinished(new Date(Date.now() + 61_000), 10)).toEqual([]);
  });
});
