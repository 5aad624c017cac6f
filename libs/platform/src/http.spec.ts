import type { FastifyReply, FastifyRequest } from 'fastify';
import { negotiateDicomAttributes, publicHost } from './http';

const request = (host: string, localPort: number, extra: Partial<{ protocol: string; headers: Record<string, string>; forwardedHost: string; proxied: boolean }> = {}) =>
  ({
    host: extra.forwardedHost ?? host,
    protocol: extra.protocol ?? 'http',
    headers: { host, ...(extra.headers ?? {}) },
    ip: extra.proxied ? '203.0.113.9' : '10.1.1.1',
    socket: { localPort, remoteAddress: '10.1.1.1' },
  }) as unknown as FastifyRequest;

describe('publicHost', () => {
  it('keeps a Host header that names its port, and adds the port a client left out', () => {
    expect(publicHost(request('pacs.example:8080', 8080))).toBe('pacs.example:8080');
    expect(publicHost(request('127.0.0.1', 8080))).toBe('127.0.0.1:8080');
    expect(publicHost(request('pacs.example', 80))).toBe('pacs.example');
    expect(publicHost(request('pacs.example', 443, { protocol: 'https' }))).toBe('pacs.example');
  });

  it("follows a trusted gateway: its forwarded host and port decide, never this process's port", () => {
    expect(publicHost(request('tessera-index:8080', 8080, { headers: { 'x-forwarded-host': 'pacs.example' }, forwardedHost: 'pacs.example', proxied: true }))).toBe('pacs.example');
    expect(publicHost(request('pacs.example', 8080, { headers: { 'x-forwarded-host': 'pacs.example' }, forwardedHost: 'pacs.example', proxied: true }))).toBe('pacs.example');
    expect(publicHost(request('pacs.example', 8080, { headers: { 'x-forwarded-port': '8443' }, protocol: 'https', proxied: true }))).toBe('pacs.example:8443');
  });
});

describe('negotiateDicomAttributes (PS3.18 8.7.3.2)', () => {
  const reply = () => {
    const sent: { status?: number; body?: unknown } = {};
    const r = {
      code: (status: number) => ((sent.status = status), r),
      type: () => r,
      send: async (body: unknown) => void (sent.body = body),
    };
    return { reply: r as unknown as FastifyReply, sent };
  };
  const negotiate = async (accept: string | undefined) => {
    const { reply: r, sent } = reply();
    const format = await negotiateDicomAttributes({ headers: accept === undefined ? {} : { accept } } as unknown as FastifyRequest, r);
    return { format, status: sent.status };
  };

  it('answers DICOM JSON by default and for JSON or wildcards, XML when multipart/related of dicom+xml is preferred', async () => {
    expect((await negotiate(undefined)).format).toBe('json');
    expect((await negotiate('*/*')).format).toBe('json');
    expect((await negotiate('application/json')).format).toBe('json');
    expect((await negotiate('multipart/related; type="application/dicom+xml"')).format).toBe('xml');
    expect((await negotiate('application/dicom+json;q=0.5, multipart/related; type="application/dicom+xml"')).format).toBe('xml');
    expect((await negotiate('multipart/related; type="application/dicom+xml";q=0.2, application/dicom+json')).format).toBe('json');
  });

  it('refuses other representations with 406 and a reason', async () => {
    expect(await negotiate('application/dicom')).toEqual({ format: undefined, status: 406 });
    expect(await negotiate('multipart/related; type="application/dicom"')).toEqual({ format: undefined, status: 406 });
    expect(await negotiate('text/html')).toEqual({ format: undefined, status: 406 });
  });
});
