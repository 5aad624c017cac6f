import { ROLES } from '@tessera/config';
import { createBacking, startTessera, type Backing, type Tessera } from './support/tessera';

// docker-compose and the Helm chart run one process per role (TESSERA_ROLES): each must start on the
// real infrastructure and stay up, whatever it opens (the routing role opens neither the database
// nor the bus). Split roles trust an external OpenID provider (OIDC_ISSUER): here, the embedded
// provider of an all-in-one Tessera, reached over HTTP like any issuer.
describe('each role alone, as compose and the chart run it (distributed mode)', () => {
  let backing: Backing;
  let issuerBacking: Backing;
  let issuer: Tessera;

  beforeAll(async () => {
    backing = await createBacking('distributed', 'roles');
    issuerBacking = await createBacking('all-in-one', 'roles-issuer');
    issuer = await startTessera('roles-issuer', issuerBacking.env);
  });

  afterAll(async () => {
    await issuer?.stop();
    await issuerBacking?.cleanup();
    await backing?.cleanup();
  });

  it.each(ROLES)('starts the %s role alone, stays ready, and stops on SIGTERM', async (role) => {
    const tessera = await startTessera(`role-${role}`, backing.env, role, { trusting: issuer });
    try {
      // A process that dies just after it began listening would have passed the first readiness check.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const res = await fetch(`${tessera.baseUrl}/readyz`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { roles: string[] }).roles).toEqual([role]);
    } finally {
      await tessera.stop();
    }
  });

  it('checks tokens of the external issuer (discovery, then its JWKS) in a role process', async () => {
    const tessera = await startTessera('role-index-auth', backing.env, 'index', { trusting: issuer });
    try {
      expect((await fetch(`${tessera.dicomweb}/studies`)).status).toBe(401);
      expect((await tessera.fetch(`${tessera.dicomweb}/studies`, {}, 'radiologist')).status).toBe(200);
      expect((await tessera.fetch(`${tessera.dicomweb}/studies`, {}, 'admin')).status).toBe(403);
    } finally {
      await tessera.stop();
    }
  });
});
