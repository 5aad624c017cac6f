import { expectEventually, freePort } from '@tessera/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A DICOM node Orthanc knows: [AE title, host, port]. */
export type OrthancModality = readonly [aeTitle: string, host: string, port: number];

/**
 * A real Orthanc (the Debian package) with its own SQLite index and storage under `dir`, on loopback
 * ports, knowing the given modalities. Stopped by its pid.
 */
export class Orthanc {
  private constructor(
    private readonly child: ChildProcess,
    readonly aeTitle: string,
    readonly dicomPort: number,
    readonly httpUrl: string,
  ) {}

  static async start(dir: string, modalities: Readonly<Record<string, OrthancModality>>): Promise<Orthanc> {
    fs.mkdirSync(dir, { recursive: true });
    const dicomPort = await freePort();
    const httpPort = await freePort();
    const config = {
      Name: 'tessera-e2e',
      StorageDirectory: path.join(dir, 'storage'),
      IndexDirectory: path.join(dir, 'index'),
      DicomAet: 'ORTHANC',
      DicomPort: dicomPort,
      HttpPort: httpPort,
      RemoteAccessAllowed: false,
      AuthenticationEnabled: false,
      DicomModalities: modalities,
      DicomAlwaysAllowStore: true,
      DicomCheckCalledAet: false,
      DicomCheckModalityHost: false,
      StorageCompression: false,
      Plugins: [],
      SaveJobs: false,
    };
    const configFile = path.join(dir, 'orthanc.json');
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
    const log = fs.openSync(path.join(dir, 'orthanc.log'), 'a');
    // Orthanc's DICOM layer is DCMTK's: without TCP_NODELAY loopback DIMSE crawls.
    const child = spawn('/usr/sbin/Orthanc', [configFile], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: ['ignore', log, log] });
    const orthanc = new Orthanc(child, 'ORTHANC', dicomPort, `http://127.0.0.1:${httpPort}`);
    await expectEventually(async () => expect((await fetch(`${orthanc.httpUrl}/system`)).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
    return orthanc;
  }

  /** GET or POST on Orthanc's REST API, parsed as JSON. */
  async rest<T>(route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.httpUrl}${route}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`Orthanc ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** The Part 10 file Orthanc stored for an instance. */
  async file(orthancInstanceId: string): Promise<Buffer> {
    const res = await fetch(`${this.httpUrl}/instances/${orthancInstanceId}/file`);
    if (!res.ok) throw new Error(`Orthanc file ${orthancInstanceId}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    await done;
  }
}
