import type { IncomingMessage } from 'node:http';
import { ConfiguredTenantResolver, type TenantResolver } from './tenant-resolver';

describe('ConfiguredTenantResolver', () => {
  const resolver: TenantResolver = new ConfiguredTenantResolver('default', ['default', 'st-mary'], { TESSERA: 'default', MARY: 'st-mary' });
  const request = (url: string) => ({ url }) as IncomingMessage;

  it('maps called AE titles to their tenant and refuses unknown ones', () => {
    expect(resolver.forAssociation('MARY', 'CT1')).toBe('st-mary');
    expect(resolver.forAssociation('OTHER', 'CT1')).toBeUndefined();
  });

  it('takes the tenant from a /tenants/{id} prefix and strips it', () => {
    const raw = request('/tenants/st-mary/dicomweb/studies?PatientID=1');
    expect(resolver.rewriteUrl(raw)).toBe('/dicomweb/studies?PatientID=1');
    expect(resolver.forHttp({ raw })).toBe('st-mary');
    expect(resolver.pathPrefix({ raw })).toBe('/tenants/st-mary');
    const plain = request('/dicomweb/studies');
    expect(resolver.rewriteUrl(plain)).toBe('/dicomweb/studies');
    expect(resolver.forHttp({ raw: plain })).toBe('default');
    expect(resolver.pathPrefix({ raw: plain })).toBe('');
  });

  it('sends an unknown tenant to a path that does not exist', () => {
    const raw = request('/tenants/elsewhere/dicomweb/studies');
    expect(resolver.rewriteUrl(raw)).toBe('/unknown-tenant');
    expect(resolver.forHttp({ raw })).toBe('default');
  });
});
