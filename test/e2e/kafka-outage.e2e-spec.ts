import { DimseStatus } from '@tessera/dicom';
import { expectEventually, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { storescu, type StoreOutcome } from './support/dcmtk';
import { infra } from './support/infra-control';
import { createBacking, startTessera, type Backing, type Tessera } from './support/tessera';

// Distributed mode only: the broker is what goes away.
describe('a Kafka outage in the middle of an ingest (distributed mode, ingest and index in separate processes)', () => {
  let backing: Backing;
  let issuerBacking: Backing;
  let issuer: Tessera;
  let ingest: Tessera;
  let index: Tessera;
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `kafka-outage-${process.pid}`);

  beforeAll(async () => {
    backing = await createBacking('distributed', 'kafka-outage');
    // Split roles trust an external OpenID provider: an all-in-one Tessera's.
    issuerBacking = await createBacking('all-in-one', 'kafka-outage-issuer');
    issuer = await startTessera('outage-issuer', issuerBacking.env);
    ingest = await startTessera('outage-ingest', backing.env, 'ingest', { trusting: issuer });
    index = await startTessera('outage-index', backing.env, 'index,storage', { trusting: issuer });
  });

  afterAll(async () => {
    await infra('start', 'kafka'); // whatever happened, leave the broker running for the next tests
    await ingest?.stop();
    await index?.stop();
    await issuer?.stop();
    await backing?.cleanup();
    await issuerBacking?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged instance: once the broker is back, everything acknowledged is indexed', async () => {
    const study = writeSyntheticStudy(dir, 120, { rows: 128, columns: 128 });
    const batches = Array.from({ length: 6 }, (_, i) => study.files.slice(i * 20, i * 20 + 20));
    const acknowledged: StoreOutcome[] = [];
    const send = async (files: readonly string[]) => acknowledged.push(...(await storescu(ingest.dimsePort, 'TESSERA', files)));

    await send(batches[0] as string[]);
    await send(batches[1] as string[]);
    await infra('stop', 'kafka');
    // The broker is gone: C-STORE still succeeds, because success means "durable and in the outbox".
    await send(batches[2] as string[]);
    await send(batches[3] as string[]);
    const duringOutage = await fetchCount(index, study.studyInstanceUID);
    await infra('start', 'kafka');
    await send(batches[4] as string[]);
    await send(batches[5] as string[]);

    expect(acknowledged).toHaveLength(120);
    expect(acknowledged.every((o) => o.kind === 'status' && o.status === DimseStatus.Success)).toBe(true);
    expect(duringOutage).toBeLessThanOrEqual(40);
    await expectEventually(async () => expect(await fetchCount(index, study.studyInstanceUID)).toBe(120), { timeoutMs: 180_000, intervalMs: 1000 });
  });
});

// NumberOfStudyRelatedInstances as the index process answers it (0 before the study is indexed).
async function fetchCount(tessera: Tessera, study: string): Promise<number> {
  const res = await tessera.fetch(`${tessera.dicomweb}/studies?StudyInstanceUID=${study}`, { headers: { Accept: 'application/dicom+json' } });
  const [match] = (await res.json()) as Record<string, { Value?: number[] }>[];
  return match?.['00201208']?.Value?.[0] ?? 0;
}
