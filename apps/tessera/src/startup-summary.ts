import type { TesseraConfig } from '@tessera/config';

/** What the process bound and serves, known once it listens. */
export interface Listening {
  readonly httpPort: number;
  /** The DIMSE listener's port; 0 when this process runs none (no role of it serves DIMSE). */
  readonly dimsePort: number;
  /** The DICOM TLS listener's port; 0 when there is none. */
  readonly dimseTlsPort: number;
  /** The DIMSE services the roles of this process registered (the listener adds Verification). */
  readonly dimseServices: readonly string[];
  /** The MLLP listener's port; 0 when this process runs none (it has no hl7 role). */
  readonly mllpPort: number;
  /** The MLLP TLS listener's port; 0 when there is none. */
  readonly mllpTlsPort: number;
}

const LABEL_WIDTH = 11;
const LINE_WIDTH = 100;

/**
 * The summary printed at start. In a distributed install each role is its own process with its own
 * DIMSE listener, so it says which DIMSE services this one serves, on which ports: the storage
 * endpoint (ingest) and the query/retrieve endpoint (index) are told apart at a glance.
 */
export function startupSummary(config: TesseraConfig, listening: Listening): string[] {
  const { http, dimse, mllp } = config;
  const scheme = http.tls ? 'https' : 'http';
  const lines = [`Tessera is running with roles: ${config.roles.join(', ')}`, row(http.tls ? 'HTTPS' : 'HTTP', `${scheme}://${http.host}:${listening.httpPort}  (health: /healthz, /readyz)`)];
  if (config.roles.some((r) => r === 'index' || r === 'storage' || r === 'ingest')) lines.push(row('DICOMweb', `${scheme}://${http.host}:${listening.httpPort}/dicomweb`));
  if (listening.dimsePort > 0) {
    lines.push(row('DIMSE', `AE title ${dimse.aeTitle} at ${dimse.host}:${listening.dimsePort}  (try: echoscu -aec ${dimse.aeTitle} ${dimse.host} ${listening.dimsePort})`));
    lines.push(...wrap(['Verification SCP', ...listening.dimseServices]).map((l) => row('', l)));
    if (listening.dimseTlsPort > 0) {
      lines.push(row('DICOM TLS', `same AE title and services at ${dimse.host}:${listening.dimseTlsPort}  (PS3.15 B.9, TLS 1.2 or later; client certificates: ${dimse.tls.clientAuth})`));
    }
  }
  if (listening.mllpPort > 0) {
    lines.push(row('HL7 MLLP', `${mllp.host}:${listening.mllpPort}  (HL7 v2.3 to v2.5.1: ADT A01, A04, A08, A31, A40, A47; ORM^O01, OMI^O23)`));
    if (listening.mllpTlsPort > 0) {
      lines.push(row('MLLP TLS', `${mllp.host}:${listening.mllpTlsPort}  (TLS 1.2 or later; client certificates: ${mllp.tls.ca !== undefined ? 'required' : 'none'})`));
    }
  }
  lines.push(
    row('Database', config.database.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL'),
    row('Objects', config.blob.kind === 'file' ? `files under ${config.blob.root}` : `S3 bucket ${config.blob.bucket} at ${config.blob.endPoint}:${config.blob.port}`),
    row('Events', config.bus.kind === 'memory' ? 'in-process bus' : `Kafka at ${config.bus.brokers.join(',')}`),
    ...signIn(config),
  );
  return lines;
}

/** Where HTTP callers get their tokens: every route except the health probes needs one. */
function signIn(config: TesseraConfig): string[] {
  const { auth } = config;
  if (auth.kind === 'external') return [row('Sign-in', `bearer tokens from ${auth.issuer} (audience ${auth.audience}) on every HTTP route`)];
  return [
    row('Sign-in', `bearer tokens from the embedded OpenID provider ${auth.issuer} on every HTTP route`),
    row('', `development accounts and their generated passwords: ${auth.directory}/dev-accounts.json`),
  ];
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${text}`;
}

/** Comma-separated names, as few lines as fit beside the labels. */
function wrap(names: readonly string[]): string[] {
  const lines: string[] = [];
  let line = '';
  for (const name of names) {
    const next = line === '' ? name : `${line}, ${name}`;
    if (line !== '' && 2 + LABEL_WIDTH + next.length > LINE_WIDTH) {
      lines.push(`${line},`);
      line = name;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
