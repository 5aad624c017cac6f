import Fastify, { type FastifyInstance } from 'fastify';
import { gunzipSync } from 'node:zlib';
import { isCompressible, registerHttpEdges } from './http-edges';

const BIG_JSON = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ '00100010': { vr: 'PN', Value: [{ Alphabetic: `Doe^John${i}` }] } })));

async function server(corsOrigins: readonly string[] | '*', compression = true): Promise<FastifyInstance> {
  const app = Fastify();
  await registerHttpEdges(app, { host: '127.0.0.1', port: 0, trustProxy: false, corsOrigins, compression });
  app.options('/dicomweb', async (_request, reply) => reply.type('application/vnd.sun.wadl+xml').send('<application/>'));
  app.get('/dicomweb/studies', async (_request, reply) => reply.type('application/dicom+json').send(Buffer.from(BIG_JSON)));
  app.get('/small', async (_request, reply) => reply.type('application/dicom+json').send(Buffer.from('[]')));
  app.get('/rendered', async (_request, reply) => reply.type('image/jpeg').send(Buffer.alloc(4096, 7)));
  app.get('/bulk', async (_request, reply) => reply.type('application/octet-stream').send(Buffer.alloc(4096, 7)));
  await app.ready();
  return app;
}

describe('HTTP edges: CORS and compression', () => {
  it('answers a preflight from an allowed origin before any route, and leaves out a disallowed one', async () => {
    const app = await server(['https://viewer.example.org']);
    const preflight = (origin: string) =>
      app.inject({ method: 'OPTIONS', url: '/dicomweb/studies', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,accept' } });
    const allowed = await preflight('https://viewer.example.org');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://viewer.example.org');
    expect(allowed.headers['access-control-allow-headers']).toBe('authorization,accept');
    const refused = await preflight('https://evil.example');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    // A GET from the allowed origin can read the headers a viewer needs.
    const get = await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { origin: 'https://viewer.example.org' } });
    expect(get.headers['access-control-allow-origin']).toBe('https://viewer.example.org');
    expect(String(get.headers['access-control-expose-headers'])).toMatch(/Warning.*Content-Location.*Link|Content-Location.*Warning/s);
    await app.close();
  });

  it('lets an OPTIONS that is not a preflight reach the capabilities route, with or without CORS', async () => {
    for (const origins of [['https://viewer.example.org'], []] as const) {
      const app = await server(origins);
      const capabilities = await app.inject({ method: 'OPTIONS', url: '/dicomweb', headers: { origin: 'https://viewer.example.org' } });
      expect(capabilities.statusCode).toBe(200);
      expect(capabilities.body).toBe('<application/>');
      await app.close();
    }
  });

  it('sends no CORS headers at all when no origin is configured (the default)', async () => {
    const app = await server([]);
    const get = await app.inject({ method: 'GET', url: '/small', headers: { origin: 'https://viewer.example.org' } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const star = await server('*');
    expect((await star.inject({ method: 'GET', url: '/small', headers: { origin: 'https://any.example' } })).headers['access-control-allow-origin']).toBe('*');
    await Promise.all([app.close(), star.close()]);
  });

  it('compresses JSON above the threshold per Accept-Encoding, not small bodies, images or bulk data', async () => {
    const app = await server([]);
    const gzip = await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(BIG_JSON);
    expect((await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { 'accept-encoding': 'br, gzip' } })).headers['content-encoding']).toBe('br');
    expect((await app.inject({ method: 'GET', url: '/dicomweb/studies' })).headers['content-encoding']).toBeUndefined();
    for (const url of ['/small', '/rendered', '/bulk']) {
      expect((await app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']).toBeUndefined();
    }
    await app.close();
    const off = await server([], false);
    expect((await off.inject({ method: 'GET', url: '/dicomweb/studies', headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']).toBeUndefined();
    await off.close();
  });

  it('tells compressible media types: text, JSON and XML, multipart of dicom+xml only', () => {
    expect(['application/dicom+json', 'application/json; charset=utf-8', 'application/vnd.sun.wadl+xml', 'text/plain', 'multipart/related; type="application/dicom+xml"; boundary=x'].map(isCompressible)).toEqual([true, true, true, true, true]);
    expect(['multipart/related; type="application/dicom"; boundary=x', 'image/jpeg', 'application/octet-stream', 'application/dicom', 'video/mp4', 'text/event-stream'].map(isCompressible)).toEqual([false, false, false, false, false, false]);
  });
});
