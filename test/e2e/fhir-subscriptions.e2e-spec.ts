import { expectEventually, freePort, repoRoot, writeSyntheticStudy } from '@tessera/testing';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { storescu } from './support/dcmtk';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

type Json = Record<string, unknown>;
interface FhirResponse {
  status: number;
  location?: string;
  body: Json;
  valid: boolean;
  errors: string[];
}
interface Validity {
  valid: boolean;
  errors: string[];
}
interface PeerResult {
  responses: FhirResponse[];
  sentValid: Validity[];
  validated: Validity[];
}
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** What the listener answered. */
  status: number;
}

/** A subscriber: a plain HTTP server that records every POST; /down answers 500 to each, /flaky 503 while it is unwell. */
class Listener {
  readonly received: Received[] = [];
  unwell = true;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = req.url === '/down' ? 500 : req.url === '/flaky' && this.unwell ? 503 : 200;
      this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  at(p: string): Received[] {
    return this.received.filter((r) => r.path === p);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const subscription = (criteria: string, endpoint: string, channel: Json = {}): Json => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Notify the AI node when a study is available',
  criteria,
  channel: { type: 'rest-hook', endpoint, ...channel },
});

describe.each(MODES)('FHIR rest-hook Subscriptions: storescu stores, a test listener is notified, fhir.resources validates, %s', (mode) => {
  const dir = path.join(repoRoot(), 'tmp', 'e2e', `fhir-subscriptions-${mode}-${process.pid}`);
  let backing: Backing;
  let tessera: Tessera;
  const listener = new Listener();
  let listenerUrl: string;
  const fhir = async (requests: Json[], validate: Json[] = [], account: 'integration' | 'technologist' = 'integration'): Promise<PeerResult> =>
    runPeer<PeerResult>('fhir_peer.py', [], { base: `${tessera.baseUrl}/fhir`, token: await tessera.token(account), requests, validate });

  const start = async (retryMs: number): Promise<Tessera> =>
    startTessera(`fhir-subscriptions-${mode}`, {
      ...backing.env,
      MLLP_PORT: String(await freePort()),
      STUDY_STABLE_AFTER_S: '1',
      FHIR_SUBSCRIPTION_MAX_ATTEMPTS: '3',
      FHIR_SUBSCRIPTION_RETRY_MS: String(retryMs),
      FHIR_SUBSCRIPTION_MAX_RETRY_MS: String(retryMs * 2),
    });

  beforeAll(async () => {
    fs.mkdirSync(dir, { recursive: true });
    listenerUrl = await listener.start();
    backing = await createBacking(mode, 'fhir-subs');
    tessera = await start(100);
  });

  afterAll(async () => {
    await tessera?.stop();
    await backing?.cleanup();
    await listener.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('notifies the subscriptions that select a stored study, with the ImagingStudy or an empty body, and sets one it cannot notify to error', async () => {
    const created = await fhir([
      { method: 'POST', path: '/Subscription', body: subscription('ImagingStudy?identifier=SUBS-ACC-1', `${listenerUrl}/hook`, { payload: 'application/fhir+json', header: ['Authorization: Bearer listener-secret'] }) },
      { method: 'POST', path: '/Subscription', body: subscription('ImagingStudy', `${listenerUrl}/bare`) },
      { method: 'POST', path: '/Subscription', body: subscription('ImagingStudy', `${listenerUrl}/down`) },
      { method: 'POST', path: '/Subscription', body: subscription('ImagingStudy?identifier=OTHER-ACC', `${listenerUrl}/other`, { payload: 'application/fhir+json' }) },
    ]);
    expect(created.sentValid.every((v) => v.valid)).toBe(true);
    for (const r of created.responses) expect({ status: r.status, valid: r.valid, errors: r.errors, status2: r.body.status }).toEqual({ status: 201, valid: true, errors: [], status2: 'active' });
    const [hook, bare, down] = created.responses.map((r) => String(r.body.id));
    expect(created.responses[0]?.location).toBe(`${tessera.baseUrl}/fhir/Subscription/${hook}`);

    const study = writeSyntheticStudy(path.join(dir, 'study'), 2, { rows: 8, columns: 8, patientId: 'SUBS-P1', accessionNumber: 'SUBS-ACC-1' });
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);

    await expectEventually(async () => {
      expect(listener.at('/hook')).toHaveLength(1);
      expect(listener.at('/bare')).toHaveLength(1);
      expect(listener.at('/down')).toHaveLength(3);
    }, { timeoutMs: 60_000, intervalMs: 250 });
    expect(listener.at('/other')).toHaveLength(0);

    // R4 rest-hook: the resource, as application/fhir+json, with the subscription's headers.
    const [notified] = listener.at('/hook');
    expect(notified?.headers).toMatchObject({ authorization: 'Bearer listener-secret', 'content-type': 'application/fhir+json' });
    const imagingStudy = JSON.parse(notified?.body as string) as Json;
    expect(imagingStudy).toMatchObject({ resourceType: 'ImagingStudy', id: study.studyInstanceUID, status: 'available', numberOfInstances: 2, identifier: [{ value: `urn:oid:${study.studyInstanceUID}` }, { value: 'SUBS-ACC-1' }] });
    // Without a payload: an empty POST.
    expect(listener.at('/bare')[0]?.body).toBe('');

    await expectEventually(async () => {
      const { responses } = await fhir([{ method: 'GET', path: `/Subscription/${down}` }]);
      expect(responses[0]?.body).toMatchObject({ status: 'error', error: 'the endpoint answered HTTP 500 (attempt 3 of 3)' });
    }, { timeoutMs: 30_000, intervalMs: 250 });

    const { responses, validated } = await fhir(
      [
        { method: 'GET', path: `/Subscription/${hook}` },
        { method: 'GET', path: `/Subscription/${down}` },
        { method: 'GET', path: '/Subscription' },
        { method: 'GET', path: `/ImagingStudy/${study.studyInstanceUID}` },
      ],
      [imagingStudy],
      'integration',
    );
    expect(validated).toEqual([{ valid: true, errors: [] }]);
    for (const r of responses) expect({ status: r.status, valid: r.valid, errors: r.errors }).toEqual({ status: 200, valid: true, errors: [] });
    expect(responses[0]?.body).toMatchObject({ resourceType: 'Subscription', status: 'active', channel: { type: 'rest-hook', payload: 'application/fhir+json', header: ['Authorization: Bearer listener-secret'] } });
    expect(responses[1]?.body).toMatchObject({ status: 'error' });
    expect(responses[2]?.body).toMatchObject({ resourceType: 'Bundle', total: 4 });
    // What was POSTed is what a read gives.
    expect(imagingStudy).toEqual(responses[3]?.body);

    // Deleted: gone, and the next study is not notified to it.
    const deleted = await tessera.fetch(`${tessera.baseUrl}/fhir/Subscription/${bare}`, { method: 'DELETE' }, 'integration');
    expect(deleted.status).toBe(204);
    expect((await fhir([{ method: 'GET', path: `/Subscription/${bare}` }])).responses[0]).toMatchObject({ status: 404, valid: true, body: { resourceType: 'OperationOutcome' } });
  });

  it('keeps a notification that was not delivered across a restart, and delivers it once the subscriber is well', async () => {
    // Retries far enough apart that the restart falls between two attempts.
    await tessera.stop();
    tessera = await start(4000);
    const created = await fhir([{ method: 'POST', path: '/Subscription', body: subscription('ImagingStudy?identifier=SUBS-ACC-2', `${listenerUrl}/flaky`, { payload: 'application/fhir+json' }) }]);
    expect(created.responses[0]?.status).toBe(201);
    const before = { bare: listener.at('/bare').length, hook: listener.at('/hook').length };

    const study = writeSyntheticStudy(path.join(dir, 'study-2'), 1, { rows: 8, columns: 8, patientId: 'SUBS-P2', accessionNumber: 'SUBS-ACC-2' });
    expect((await storescu(tessera.dimsePort, 'TESSERA', study.files)).every((o) => o.kind === 'status' && o.status === 0)).toBe(true);
    await expectEventually(async () => expect(listener.at('/flaky').map((r) => r.status)).toEqual([503]), { timeoutMs: 60_000, intervalMs: 100 });
    await tessera.stop();

    listener.unwell = false;
    tessera = await start(4000);
    await expectEventually(async () => expect(listener.at('/flaky').map((r) => r.status)).toEqual([503, 200]), { timeoutMs: 60_000, intervalMs: 250 });
    expect(JSON.parse(listener.at('/flaky')[1]?.body as string)).toMatchObject({ resourceType: 'ImagingStudy', id: study.studyInstanceUID });
    const { responses } = await fhir([{ method: 'GET', path: `/Subscription/${String(created.responses[0]?.body.id)}` }]);
    expect(responses[0]).toMatchObject({ valid: true, body: { status: 'active' } });
    // The deleted subscription heard nothing of this study, nor did one whose criteria it does not meet.
    expect({ bare: listener.at('/bare').length, hook: listener.at('/hook').length }).toEqual(before);
  });

  it('refuses a Subscription it cannot honour, and callers who may not manage subscriptions', async () => {
    const { responses } = await fhir([
      { method: 'POST', path: '/Subscription', body: subscription('Observation?code=1', `${listenerUrl}/x`) },
      { method: 'POST', path: '/Subscription', body: subscription('ImagingStudy', `${listenerUrl}/x`, { type: 'websocket' }) },
      { method: 'GET', path: '/Subscription/no-such-one' },
    ]);
    expect(responses.map((r) => [r.status, r.valid, r.body.resourceType])).toEqual([
      [422, true, 'OperationOutcome'],
      [422, true, 'OperationOutcome'],
      [404, true, 'OperationOutcome'],
    ]);
    const technologist = await fhir([{ method: 'GET', path: '/Subscription' }], [], 'technologist');
    expect(technologist.responses[0]).toMatchObject({ status: 403, valid: true, body: { resourceType: 'OperationOutcome' } });
  });
});
