import { fhirStatus, operationOutcome, outcomeOf, type FhirError, type OperationOutcome, type Resource } from '@tessera/fhir';
import { parseAccept, rangeCovers } from '@tessera/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { publicHost } from '../http';
import type { TenantResolver } from '../tenant-resolver';

/** The FHIR JSON media type (FHIR R4 2.6.0.4 JSON, 3.1.0.1.10 content types). */
export const FHIR_JSON = 'application/fhir+json';

// A resource of an order is a few KiB; this bounds what a client can make a process hold.
const MAX_RESOURCE_BYTES = 1024 * 1024;

/** The FHIR base URL of a request, with its tenant prefix: {scheme}://{host}[/tenants/{id}]/fhir. */
export function fhirBase(request: FastifyRequest, tenants: TenantResolver): string {
  return `${request.protocol}://${publicHost(request)}${tenants.pathPrefix(request)}/fhir`;
}

/** Sends a resource as FHIR JSON. */
export async function sendResource(reply: FastifyReply, status: number, resource: Resource): Promise<void> {
  // A Buffer, so that Fastify sends the media type exactly as set.
  await reply.code(status).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(Buffer.from(JSON.stringify(resource)));
}

/** Sends an OperationOutcome with one error issue. */
export function sendOutcome(reply: FastifyReply, status: number, code: string, diagnostics: string): Promise<void> {
  return sendResource(reply, status, operationOutcome({ severity: 'error', code, diagnostics }));
}

/** Answers a refusal of the FHIR core with its status and OperationOutcome. */
export function sendFhirError(reply: FastifyReply, error: FhirError): Promise<void> {
  return sendResource(reply, fhirStatus(error.code), outcomeOf(error) satisfies OperationOutcome);
}

const FORMATS = ['json', FHIR_JSON, 'application/json', 'application/json+fhir'];

/**
 * Whether the client takes FHIR JSON, by its _format parameter (FHIR R4 3.1.0.1.10), else its Accept
 * header; answers 406 with an OperationOutcome when it does not (this server speaks no XML).
 */
export async function acceptsFhirJson(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  const format = new URLSearchParams(request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '').get('_format');
  const ok =
    format !== null
      ? FORMATS.includes(format.split(';')[0]?.trim() ?? '')
      : parseAccept(request.headers.accept).some((r) => r.q > 0 && (rangeCovers(r, FHIR_JSON) || rangeCovers(r, 'application/json') || r.type === 'application/json+fhir'));
  if (!ok) await sendOutcome(reply, 406, 'not-supported', `This server speaks FHIR JSON (${FHIR_JSON}) only; ${format !== null ? `_format=${format}` : `Accept: ${String(request.headers.accept)}`} allows none of it`);
  return ok;
}

/** The parsed body of a request, or NO_RESOURCE once a refusal has been answered. */
export const NO_RESOURCE = Symbol('no resource');

/**
 * Reads a resource sent as FHIR JSON (or application/json): 415 for another media type, 413 for
 * more than 1 MiB, 400 for a body that is not JSON, each with an OperationOutcome.
 */
export async function readResource(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== FHIR_JSON && type !== 'application/json' && type !== 'application/json+fhir') {
    await sendOutcome(reply, 415, 'not-supported', `A resource is sent as ${FHIR_JSON}, not ${type || 'without a Content-Type'}`);
    return NO_RESOURCE;
  }
  // Fastify parses application/json itself; other types reach here unread (the launcher hands them through).
  if (!(request.body instanceof Readable)) return request.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESOURCE_BYTES) {
      await sendOutcome(reply, 413, 'too-long', `A resource may take at most ${MAX_RESOURCE_BYTES} bytes`);
      return NO_RESOURCE;
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    await sendOutcome(reply, 400, 'structure', `The body is not JSON: ${(err as Error).message}`);
    return NO_RESOURCE;
  }
}
