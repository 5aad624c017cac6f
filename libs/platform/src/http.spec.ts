import type { FastifyRequest } from 'fastify';
import { publicHost } from './http';

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
