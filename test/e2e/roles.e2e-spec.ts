import { ROLES } from '@tessera/config';
import { createBacking, startTessera, type Backing } from './support/tessera';

// docker-compose and the Helm chart run one process per role (TESSERA_ROLES): each must start on the
// real infrastructure and stay up, whatever it opens (the routing role opens neither the
// database nor the bus).
describe('each role alone, as compose and the chart run it (distributed mode)', () => {
  let backing: Backing;

  beforeAll(async () => {
    backing = await createBacking('distributed', 'roles');
  });

  afterAll(async () => {
    await backing?.cleanup();
  });

  it.each(ROLES)('starts the %s role alone, stays ready, and stops on SIGTERM', async (role) => {
    const tessera = await startTessera(`role-${role}`, backing.env, role);
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
});
