import { UserIdentityType, type UserIdentity } from '@tessera/dicom';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { JwtTokenVerifier } from './token-verifier';
import { verifyUserIdentity, type UserIdentityVerifiers } from './verify-user-identity.use-case';

const ISSUER = 'http://127.0.0.1:8080/oidc';
let key: CryptoKey;
let verifiers: UserIdentityVerifiers;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  verifiers = {
    tokens: new JwtTokenVerifier({ issuer: ISSUER, audience: 'tessera', rolesClaim: 'roles', tenantsClaim: 'tenants', clockToleranceSeconds: 0 }, createLocalJWKSet({ keys: [jwk] })),
    passwords: { issuer: ISSUER, users: [{ username: 'technologist', password: 'pass-Word-1', roles: ['technologist'], tenants: ['st-mary'] }] },
  };
});

const jwt = (expiresIn: number, tenants = ['st-mary']): Promise<string> =>
  new SignJWT({ sub: 'u-17', preferred_username: 'tech', roles: ['technologist'], tenants })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(ISSUER)
    .setAudience('tessera')
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .sign(key);
const offer = (type: number, primary: string, secondary = '', positiveResponseRequested = false): UserIdentity => ({ type, positiveResponseRequested, primaryField: Buffer.from(primary), secondaryField: Buffer.from(secondary) });

describe('verifyUserIdentity (PS3.7 D.3.3.7)', () => {
  it('accepts a valid JWT of a member of the tenant, with an empty positive response only when asked for', async () => {
    const token = await jwt(300);
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, token, '', true), 'st-mary', 'optional', verifiers)).toEqual({ kind: 'accepted', user: { id: 'u-17', name: 'tech', issuer: ISSUER }, serverResponse: Buffer.alloc(0) });
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, token), 'st-mary', 'required', verifiers)).toEqual({ kind: 'accepted', user: { id: 'u-17', name: 'tech', issuer: ISSUER } });
  });

  it('refuses an expired JWT, a JWT that is not one, and a member of another tenant', async () => {
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, await jwt(-60)), 'st-mary', 'optional', verifiers)).toMatchObject({ kind: 'refused', refusal: 'invalid-token', explanation: expect.stringContaining('expired') });
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, 'garbage'), 'st-mary', 'optional', verifiers)).toMatchObject({ kind: 'refused', refusal: 'invalid-token' });
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, await jwt(300, ['st-jude'])), 'st-mary', 'optional', verifiers)).toMatchObject({ kind: 'refused', refusal: 'other-tenant', who: 'tech' });
  });

  it('checks a username and passcode against the development accounts', async () => {
    expect(await verifyUserIdentity(offer(UserIdentityType.UsernameAndPasscode, 'technologist', 'pass-Word-1', true), 'st-mary', 'optional', verifiers)).toEqual({
      kind: 'accepted',
      user: { id: 'technologist', name: 'technologist', issuer: ISSUER },
      serverResponse: Buffer.alloc(0),
    });
    for (const [user, passcode] of [['technologist', 'pass-Word-2'], ['technologist', ''], ['nobody', 'pass-Word-1']] as const) {
      expect(await verifyUserIdentity(offer(UserIdentityType.UsernameAndPasscode, user, passcode), 'st-mary', 'optional', verifiers)).toMatchObject({ kind: 'refused', refusal: 'wrong-credentials', who: user });
    }
    expect(await verifyUserIdentity(offer(UserIdentityType.UsernameAndPasscode, 'technologist', 'pass-Word-1'), 'st-jude', 'optional', verifiers)).toMatchObject({ kind: 'refused', refusal: 'other-tenant' });
  });

  it('refuses a username and passcode when there are no development accounts (external issuer)', async () => {
    const external = { tokens: verifiers.tokens };
    expect(await verifyUserIdentity(offer(UserIdentityType.UsernameAndPasscode, 'technologist', 'pass-Word-1'), 'st-mary', 'optional', external)).toMatchObject({ kind: 'refused', refusal: 'passwords-unavailable' });
  });

  it('passes over types it cannot verify when optional, and refuses them when required', async () => {
    for (const type of [UserIdentityType.Username, UserIdentityType.Kerberos, UserIdentityType.Saml]) {
      expect(await verifyUserIdentity(offer(type, 'x'), 'st-mary', 'optional', verifiers)).toMatchObject({ kind: 'unchecked', note: expect.stringContaining('passed over') });
      expect(await verifyUserIdentity(offer(type, 'x'), 'st-mary', 'required', verifiers)).toMatchObject({ kind: 'refused', refusal: 'unsupported-type' });
    }
  });

  it('lets an association without identity through unless one is required, and checks nothing when ignoring', async () => {
    expect(await verifyUserIdentity(undefined, 'st-mary', 'optional', verifiers)).toEqual({ kind: 'unchecked' });
    expect(await verifyUserIdentity(undefined, 'st-mary', 'required', verifiers)).toMatchObject({ kind: 'refused', refusal: 'missing' });
    expect(await verifyUserIdentity(offer(UserIdentityType.Jwt, 'garbage'), 'st-mary', 'ignore', verifiers)).toEqual({ kind: 'unchecked' });
  });
});
