import { RejectReason, RejectResult, RejectSource, UserIdentityType } from '@tessera/dicom';
import { expectEventually } from '@tessera/testing';
import { importJWK, SignJWT, type JWK } from 'jose';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPeer } from './support/python';
import { createBacking, MODES, startTessera, type Backing, type Tessera } from './support/tessera';

interface PeerResult {
  readonly associated: boolean;
  readonly echo?: number;
  /** Hex of the server response of the A-ASSOCIATE-AC's User Identity sub-item; null without one. */
  readonly serverResponse?: string | null;
  readonly rejection?: { readonly result: number; readonly source: number; readonly reason: number };
}
interface Identity {
  readonly type: number;
  readonly primary: string;
  readonly secondary?: string;
  readonly positiveResponse?: boolean;
}

// PS3.7 D.3.3.7: a refused identity is rejected-permanent, DICOM UL service-provider (ACSE), no reason given.
const REFUSED = { result: RejectResult.Permanent, source: RejectSource.ServiceProviderAcse, reason: RejectReason.NoReasonGiven };

const associate = (tessera: Tessera, identity?: Identity, callingAet = 'IDENTITY'): Promise<PeerResult> =>
  runPeer<PeerResult>('identity_peer.py', [], { port: tessera.dimsePort, aet: 'TESSERA', callingAet, ...(identity ? { identity } : {}) });

/** A development account of the embedded provider, from the file it wrote on first start. */
function account(tessera: Tessera, username: string): { username: string; password: string } {
  const accounts = JSON.parse(fs.readFileSync(path.join(tessera.oidcDir, 'dev-accounts.json'), 'utf8')) as { users: { username: string; password: string }[] };
  const user = accounts.users.find((u) => u.username === username);
  if (!user) throw new Error(`no development account ${username}`);
  return user;
}

/** A token the issuer's own key signed, with the right issuer and audience, that expired a minute ago. */
async function expiredToken(tessera: Tessera): Promise<string> {
  const { keys } = JSON.parse(fs.readFileSync(path.join(tessera.oidcDir, 'signing-keys.json'), 'utf8')) as { keys: (JWK & { kid: string })[] };
  const jwk = keys[0] as JWK & { kid: string };
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['technologist'], tenants: ['default'], preferred_username: 'technologist' })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
    .setSubject('technologist')
    .setIssuer(tessera.issuer)
    .setAudience('tessera')
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(await importJWK(jwk, 'RS256'));
}

async function rejections(tessera: Tessera): Promise<{ callingAETitle: string; reason: string }[]> {
  const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/association-rejections`);
  expect(res.status).toBe(200);
  return (await res.json()) as { callingAETitle: string; reason: string }[];
}

/**
 * The tenant's User Authentication messages (EventID 110114) in which Tessera's DICOM listener was
 * the authenticator (not the sign-ins at its OpenID provider): outcome and the user IDs named.
 */
async function authentications(tessera: Tessera): Promise<{ outcome: number; userIds: string[] }[]> {
  const res = await tessera.fetch(`${tessera.baseUrl}/admin/tenants/default/audit-records?eventType=110114&limit=1000`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { outcome: number; userIds: string[] }[]).filter((a) => a.userIds.some((id) => id.startsWith('dicom://'))).map(({ outcome, userIds }) => ({ outcome, userIds }));
}

describe.each(MODES)('DICOM User Identity Negotiation (PS3.7 D.3.3.7) with pynetdicom, %s', (mode) => {
  describe('DIMSE_USER_IDENTITY=optional (the default)', () => {
    let backing: Backing;
    let tessera: Tessera;

    beforeAll(async () => {
      backing = await createBacking(mode, 'user-identity');
      tessera = await startTessera(`user-identity-${mode}`, backing.env);
    });

    afterAll(async () => {
      await tessera?.stop();
      await backing?.cleanup();
    });

    it('accepts an access token as a JWT identity, with an empty positive response when one is asked for', async () => {
      const token = await tessera.token('technologist');
      expect(await associate(tessera, { type: UserIdentityType.Jwt, primary: token, positiveResponse: true }, 'JWTASKS')).toEqual({ associated: true, echo: 0, serverResponse: '' });
      expect(await associate(tessera, { type: UserIdentityType.Jwt, primary: token }, 'JWTQUIET')).toEqual({ associated: true, echo: 0, serverResponse: null });
      await expectEventually(async () => expect((await authentications(tessera)).filter((a) => a.outcome === 0 && a.userIds.includes('technologist'))).toHaveLength(2));
    });

    it('rejects an expired JWT and a forged one, and shows why at the tenant\u2019s association rejections', async () => {
      expect(await associate(tessera, { type: UserIdentityType.Jwt, primary: await expiredToken(tessera), positiveResponse: true }, 'JWTEXPIRED')).toEqual({ associated: false, rejection: REFUSED });
      const [header, payload] = (await tessera.token('technologist')).split('.');
      expect(await associate(tessera, { type: UserIdentityType.Jwt, primary: `${header}.${payload}.${Buffer.from('forged').toString('base64url')}` }, 'JWTFORGED')).toEqual({ associated: false, rejection: REFUSED });
      const reasons = new Map((await rejections(tessera)).map((r) => [r.callingAETitle, r.reason]));
      expect(reasons.get('JWTEXPIRED')).toMatch(/^user-identity-refused: the JSON Web Token was refused: .*expired/);
      expect(reasons.get('JWTFORGED')).toMatch(/^user-identity-refused: the JSON Web Token was refused/);
    });

    it('accepts the username and passcode of a development account, and rejects a wrong passcode', async () => {
      const { username, password } = account(tessera, 'radiologist');
      expect(await associate(tessera, { type: UserIdentityType.UsernameAndPasscode, primary: username, secondary: password, positiveResponse: true }, 'PASSWORD')).toEqual({ associated: true, echo: 0, serverResponse: '' });
      expect(await associate(tessera, { type: UserIdentityType.UsernameAndPasscode, primary: username, secondary: `${password}!` }, 'WRONGPASS')).toEqual({ associated: false, rejection: REFUSED });
      expect(new Map((await rejections(tessera)).map((r) => [r.callingAETitle, r.reason])).get('WRONGPASS')).toBe('user-identity-refused: wrong username or passcode');
      // One User Authentication message per check: the account's success and its failure.
      await expectEventually(async () => {
        const mine = (await authentications(tessera)).filter((a) => a.userIds.includes('radiologist'));
        expect(mine.map((a) => a.outcome).sort()).toEqual([0, 4]);
      });
    });

    it('serves an association that offers no identity, and passes over a bare username', async () => {
      expect(await associate(tessera)).toEqual({ associated: true, echo: 0, serverResponse: null });
      expect(await associate(tessera, { type: UserIdentityType.Username, primary: 'technologist', positiveResponse: true })).toEqual({ associated: true, echo: 0, serverResponse: null });
    });
  });

  describe('DIMSE_USER_IDENTITY=required', () => {
    let backing: Backing;
    let tessera: Tessera;

    beforeAll(async () => {
      backing = await createBacking(mode, 'user-identity-required');
      tessera = await startTessera(`user-identity-required-${mode}`, { ...backing.env, DIMSE_USER_IDENTITY: 'required' });
    });

    afterAll(async () => {
      await tessera?.stop();
      await backing?.cleanup();
    });

    it('rejects an association without identity, or with a bare username, and serves one with a valid JWT', async () => {
      expect(await associate(tessera, undefined, 'ANONYMOUS')).toEqual({ associated: false, rejection: REFUSED });
      expect(await associate(tessera, { type: UserIdentityType.Username, primary: 'technologist' }, 'BAREUSER')).toEqual({ associated: false, rejection: REFUSED });
      expect(await associate(tessera, { type: UserIdentityType.Jwt, primary: await tessera.token('technologist') }, 'WITHJWT')).toEqual({ associated: true, echo: 0, serverResponse: null });
      const reasons = new Map((await rejections(tessera)).map((r) => [r.callingAETitle, r.reason]));
      expect(reasons.get('ANONYMOUS')).toBe('user-identity-refused: no user identity was offered and one is required');
      expect(reasons.get('BAREUSER')).toMatch(/^user-identity-refused: a username cannot be verified here/);
      expect(reasons.has('WITHJWT')).toBe(false);
    });
  });
});
