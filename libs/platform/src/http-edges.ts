import fastifyCompress from '@fastify/compress';
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { TesseraConfig } from '@tessera/config';
import { parseMediaType } from '@tessera/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Response headers a browser viewer reads from a cross-origin response (OHIF, dicom-microscopy-viewer). */
export const CORS_EXPOSED_HEADERS = [
  'Content-Type',
  'Content-Length',
  'Content-Encoding',
  'Content-Location',
  'Content-Range',
  'Accept-Ranges',
  'Warning',
  'Link',
  'Location',
  'ETag',
  'Last-Modified',
  'Retry-After',
  'X-Request-Id',
] as const;

/**
 * A CORS preflight (Fetch standard, CORS protocol): OPTIONS with Origin and
 * Access-Control-Request-Method. Any other OPTIONS is the capabilities transaction (PS3.18 8.9).
 */
export function isCorsPreflight(request: Pick<FastifyRequest, 'method' | 'headers'>): boolean {
  return request.method === 'OPTIONS' && request.headers.origin !== undefined && request.headers['access-control-request-method'] !== undefined;
}

/** The CORS answer for one request, given the allowed origins (HTTP_CORS_ORIGINS). */
export function corsOptionsFor(origins: readonly string[] | '*', request: Pick<FastifyRequest, 'method' | 'headers'>): FastifyCorsOptions {
  return {
    origin: origins === '*' ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    // Request headers asked for in a preflight (Authorization, Accept, Range…) are reflected.
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    // Bearer tokens, not cookies: no credentialed requests.
    credentials: false,
    maxAge: 600,
    // Only a real preflight is answered here, before any guard (a browser sends no token with it);
    // other OPTIONS requests go on to the capabilities routes.
    preflight: isCorsPreflight(request),
    strictPreflight: false,
  };
}

/**
 * Whether a response of this Content-Type is worth compressing: DICOM JSON and XML, JSON, XML (WADL
 * too), text, and multipart/related of dicom+xml. Not images, video, PDF or DICOM objects, which are
 * compressed already or gain little, nor application/octet-stream bulk data (its byte ranges must stay
 * the stored bytes).
 */
export function isCompressible(contentType: string): boolean {
  const { type, params } = parseMediaType(contentType);
  if (type.startsWith('text/')) return type !== 'text/event-stream';
  if (/^application\/([a-z0-9.+-]+\+)?(json|xml)$/.test(type)) return true;
  return type === 'multipart/related' && (params['type'] ?? '').toLowerCase() === 'application/dicom+xml';
}

/** Responses smaller than this go uncompressed: the gain would not pay for the work. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * The browser-facing edges of every HTTP role: CORS for the configured origins (none: no CORS
 * headers at all, so browsers keep other origins out), and gzip/br compression of text responses per
 * Accept-Encoding. Registered before the routes, which Nest adds when the application starts.
 */
export async function registerHttpEdges(app: FastifyInstance, http: TesseraConfig['http']): Promise<void> {
  const origins = http.corsOrigins;
  if (origins === '*' || origins.length > 0) {
    await app.register(fastifyCors, { delegator: (request, callback) => callback(null, corsOptionsFor(origins, request)) });
  }
  if (http.compression) {
    await app.register(fastifyCompress, {
      global: true,
      // Request bodies (STOW-RS) stay as sent: their Content-Encoding is the store's to refuse.
      globalDecompression: false,
      threshold: COMPRESSION_THRESHOLD_BYTES,
      encodings: ['br', 'gzip', 'deflate'],
      customTypes: isCompressible,
    });
  }
}
