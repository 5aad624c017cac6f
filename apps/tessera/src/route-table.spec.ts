import { ROLE_PERMISSIONS, ROLES } from '@tessera/identity';
import { routeTable } from './route-table';

describe('the HTTP route table', () => {
  const routes = routeTable();

  it('finds the routes of every role', () => {
    expect(routes.length).toBeGreaterThan(25);
    for (const path of ['/dicomweb/studies', '/worklist/items', '/admin/tenants/:tenant/application-entities', '/oidc/*', '/healthz']) {
      expect(routes.map((r) => r.path)).toContain(path);
    }
  });

  it('declares what every route asks of its caller (a route without it is refused to everyone)', () => {
    expect(routes.filter((r) => r.requirement === undefined).map((r) => `${r.method} ${r.path} (${r.handler})`)).toEqual([]);
  });

  it('opens without a token only the health probes, the OpenID provider that hands out tokens and the FHIR CapabilityStatement', () => {
    expect(routes.filter((r) => r.requirement === 'public').map((r) => r.path).sort()).toEqual(['/fhir/metadata', '/healthz', '/oidc', '/oidc/*', '/readyz']);
  });

  it('gives every permission a route asks for to at least one role', () => {
    const granted = new Set(ROLES.flatMap((role) => ROLE_PERMISSIONS[role]));
    for (const route of routes) if (route.requirement !== 'public' && route.requirement !== undefined) expect(granted).toContain(route.requirement);
  });
});
