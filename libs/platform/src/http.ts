import { isValidUid, toNativeDicomModel, type DicomJsonDataset } from '@tessera/dicom';
import { MultipartWriter, parseAccept, rangeCovers, type MediaRange } from '@tessera/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TenantResolver } from './tenant-resolver';

/** The DICOMweb base URL of a request (with its tenant prefix), for RetrieveURL and BulkDataURI values. */
export function dicomwebBase(request: FastifyRequest, tenants: TenantResolver): string {
  return `${request.protocol}://${publicHost(request)}${tenants.pathPrefix(request)}/dicomweb`;
}

/**
 * The host (and port) a client reached this server at. Behind a trusted gateway (HTTP_TRUST_PROXY)
 * the forwarded view decides: X-Forwarded-Host, with X-Forwarded-Port when the host has none; this
 * process's own port never leaks into URLs there. On a direct connection, some clients
 * (dicomweb-client among them) send a Host header without the port even for a non-default one,
 * against RFC 9110 7.2; the port the request arrived on is then the one to put in URLs.
 */
export function publicHost(request: FastifyRequest): string {
  const host = request.host || 'localhost';
  if (/:\d+$/.test(host) || host.endsWith(']')) return host;
  const defaultPort = request.protocol === 'https' ? 443 : 80;
  if (isProxied(request)) {
    const forwardedPort = Number(String(request.headers['x-forwarded-port'] ?? '').split(',').at(-1)?.trim());
    return Number.isInteger(forwardedPort) && forwardedPort > 0 && forwardedPort !== defaultPort ? `${host}:${forwardedPort}` : host;
  }
  const port = request.socket.localPort;
  return port && port !== defaultPort ? `${host}:${port}` : host;
}

// Whether this request came through a gateway Fastify trusts (its forwarded headers were believed).
function isProxied(request: FastifyRequest): boolean {
  return request.ip !== request.socket.remoteAddress;
}

/** The query parameters in order, repeated ones kept (includefield may repeat). */
export function queryPairs(request: FastifyRequest): [string, string][] {
  const at = request.url.indexOf('?');
  return at < 0 ? [] : [...new URLSearchParams(request.url.slice(at + 1)).entries()];
}

/** Sends an error with its reason; DICOMweb errors carry a human-readable message (PS3.18 8.6). */
export async function sendError(reply: FastifyReply, status: number, message: string): Promise<void> {
  await reply.code(status).type('application/json').send({ status, message });
}

/** Checks UIDs from the path; answers 400 and returns false when one is not a UID. */
export async function validPathUids(reply: FastifyReply, uids: Readonly<Record<string, string | undefined>>): Promise<boolean> {
  for (const [name, value] of Object.entries(uids)) {
    if (value !== undefined && !isValidUid(value)) {
      await sendError(reply, 400, `"${value}" is not a valid ${name} (PS3.5 9.1)`);
      return false;
    }
  }
  return true;
}

/** Whether the Accept header allows a JSON response; answers 406 when it does not. */
export async function acceptsJson(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const ok = parseAccept(request.headers.accept).some((r) => rangeCovers(r, 'application/dicom+json') || rangeCovers(r, 'application/json'));
  if (!ok) await sendError(reply, 406, `This resource is available as application/dicom+json; the Accept header allows none of it: ${String(request.headers.accept)}`);
  return ok;
}

/** How DICOM attributes (QIDO-RS results, WADO-RS metadata) are to be sent. */
export type DicomAttributesFormat = 'json' | 'xml';

/**
 * The representation of DICOM attributes the Accept header asks for (PS3.18 8.7.3.2, 10.4.1.1.2,
 * 10.6.3.2): application/dicom+json (the default, also for application/json and any wildcard) or
 * multipart/related; type="application/dicom+xml", in the client's order of preference. Anything
 * else is answered 406 with a reason, and undefined returned.
 */
export async function negotiateDicomAttributes(request: FastifyRequest, reply: FastifyReply): Promise<DicomAttributesFormat | undefined> {
  for (const range of parseAccept(request.headers.accept)) {
    if (rangeCovers(range, 'application/dicom+json') || rangeCovers(range, 'application/json')) return 'json';
    if (asksDicomXml(range)) return 'xml';
  }
  await sendError(
    reply,
    406,
    `This resource is available as application/dicom+json or multipart/related; type="application/dicom+xml"; the Accept header allows neither: ${String(request.headers.accept)}`,
  );
  return undefined;
}

// multipart/related whose type, if given, is application/dicom+xml (the one multipart form offered).
function asksDicomXml(range: MediaRange): boolean {
  if (range.type !== 'multipart/related' && range.type !== 'multipart/*') return false;
  const type = range.params['type'];
  return type === undefined || type.toLowerCase() === 'application/dicom+xml';
}

/**
 * Sends data sets as multipart/related; type="application/dicom+xml" (PS3.18 8.7.3.2): one part per
 * data set, each a Native DICOM Model document (PS3.19 A.1); no data set, 204 No Content.
 */
export async function sendDicomXml(reply: FastifyReply, status: number, datasets: readonly DicomJsonDataset[]): Promise<void> {
  // A multipart body has at least one part (RFC 2046 5.1.1): no match is 204 No Content.
  if (datasets.length === 0) {
    await reply.code(204).send();
    return;
  }
  const writer = new MultipartWriter();
  const chunks: Buffer[] = [];
  for (const dataset of datasets) {
    chunks.push(writer.partHeader({ 'Content-Type': 'application/dicom+xml; charset=utf-8' }), Buffer.from(toNativeDicomModel(dataset), 'utf8'), writer.partEnd());
  }
  chunks.push(writer.close());
  await reply.code(status).header('content-type', writer.contentType('application/dicom+xml')).send(Buffer.concat(chunks));
}

/**
 * Sends DICOM JSON (PS3.18 F) as exactly "application/dicom+json": JSON is UTF-8 by definition, and
 * clients such as dicomweb-client compare the media type without parameters.
 */
export async function sendDicomJson(reply: FastifyReply, status: number, body: unknown): Promise<void> {
  // A Buffer, because Fastify appends "; charset=utf-8" to string bodies of JSON media types.
  await reply.code(status).header('content-type', 'application/dicom+json').send(Buffer.from(JSON.stringify(body)));
}

/**
 * Query parameters narrowed to some studies (a grantee's): a StudyInstanceUID the client gave is
 * kept where it is among them, else they are all asked for (UID list matching, PS3.4 C.2.2.2.2).
 * undefined: nothing the client asked for is among them.
 */
export function restrictToStudies(params: readonly (readonly [string, string])[], studies: readonly string[]): [string, string][] | undefined {
  const isStudyKey = (key: string): boolean => key === 'StudyInstanceUID' || key.toUpperCase() === '0020000D';
  const asked = params.filter(([key]) => isStudyKey(key)).flatMap(([, value]) => value.split(/[\\,]/).map((v) => v.trim()).filter(Boolean));
  const allowed = asked.length === 0 ? [...studies] : asked.filter((uid) => studies.includes(uid));
  if (allowed.length === 0) return undefined;
  return [...params.filter(([key]) => !isStudyKey(key)).map(([k, v]): [string, string] => [k, v]), ['StudyInstanceUID', allowed.join('\\')]];
}
