import { MemoryAeRegistry } from '@tessera/ae-registry';
import { AuditTrail, MemoryAuditStore } from '@tessera/audit';
import { loadConfig, type TesseraConfig } from '@tessera/config';
import {
  AssociationRejectedError,
  CommandField,
  DimseStatus,
  RejectReason,
  RejectResult,
  RejectSource,
  requestAssociation,
  SopClassUIDs,
  TransferSyntaxUIDs,
  UserIdentityType,
  type DimseConnection,
  type RoleSelection,
  type SopClassExtendedNegotiation,
  type UserIdentity,
} from '@tessera/dicom';
import { EMBEDDED_CLAIMS, EmbeddedIssuer, JwtTokenVerifier } from '@tessera/identity';
import { silentLogger } from '@tessera/telemetry';
import { expectEventually } from '@tessera/testing';
import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet, type CryptoKey } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tenantResolver } from '../platform.module';
import { DimseAudit } from '../audit/dimse-audit';
import { DimseListener } from './dimse-listener';
import { DimseServiceRegistry, type DimseService } from './dimse-service';
import { DimseUserIdentity } from './dimse-user-identity';

const unverifiable = { verify: () => Promise.reject(new Error('no token expected here')) };

const CT = '1.2.840.10008.5.1.4.1.1.2';
const GET = '1.2.840.10008.5.1.4.1.2.2.3';
const ELE = TransferSyntaxUIDs.ExplicitVRLittleEndian;

// A C-GET service that sends CT on the requester's association, and a storage service that receives it.
const getService: DimseService = {
  name: 'get',
  servesAbstractSyntax: (uid) => uid === GET,
  operationOf: () => 'GET',
  sendsOnRequesterAssociation: (uid) => uid === CT,
  // Agrees to the second byte of whatever is proposed and to nothing else.
  answerExtendedNegotiation: (_uid, requested) => Buffer.from([0, requested[1] ?? 0]),
  chooseTransferSyntax: (_a, proposed) => proposed[0],
  handle: async () => ({ command: { commandField: CommandField.CGetRSP, status: DimseStatus.Success } }),
};
const storeService: DimseService = {
  name: 'store',
  servesAbstractSyntax: (uid) => uid === CT,
  operationOf: () => 'STORE',
  chooseTransferSyntax: (_a, proposed) => proposed[0],
  handle: async () => ({ command: { commandField: CommandField.CStoreRSP, status: DimseStatus.Success } }),
};

describe('DimseListener role selection (PS3.7 D.3.3.4)', () => {
  let listener: DimseListener;
  const aes = new MemoryAeRegistry();
  const open: DimseConnection[] = [];

  beforeAll(async () => {
    const config = loadConfig({ DIMSE_PORT: '0', DIMSE_UNKNOWN_CALLING_AE: 'reject' });
    const registry = new DimseServiceRegistry();
    registry.register(storeService);
    registry.register(getService);
    await aes.put({ tenant: 'default', aeTitle: 'VIEWER', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['GET', 'STORE'], moveDestinations: [] });
    await aes.put({ tenant: 'default', aeTitle: 'GETONLY', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['GET'], moveDestinations: [] });
    await aes.put({ tenant: 'default', aeTitle: 'FINDER', host: '127.0.0.1', port: 104, tls: false, description: '', allowedOperations: ['FIND', 'STORE'], moveDestinations: [] });
    const audit = new DimseAudit(config, silentLogger);
    listener = new DimseListener(config, silentLogger, tenantResolver(config), registry, audit, new DimseUserIdentity(config, silentLogger, unverifiable, audit), aes);
    await listener.onApplicationBootstrap();
  });

  afterAll(async () => {
    for (const c of open) c.abort('test over');
    await listener.onModuleDestroy();
  });

  async function associate(callingAETitle: string, roles: RoleSelection[], extendedNegotiations: SopClassExtendedNegotiation[] = []): Promise<DimseConnection> {
    const connection = await requestAssociation({
      host: '127.0.0.1',
      port: listener.port,
      callingAETitle,
      calledAETitle: 'TESSERA',
      contexts: [
        { id: 1, abstractSyntax: GET, transferSyntaxes: [ELE] },
        { id: 3, abstractSyntax: CT, transferSyntaxes: [ELE] },
      ],
      roleSelections: roles,
      extendedNegotiations,
      maxPduLength: 16384,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      responseTimeoutMs: 5000,
    });
    open.push(connection);
    return connection;
  }

  it('accepts the SCP role for a SOP class a service sends on the requester association, keeping the SCU role where STORE is allowed', async () => {
    const connection = await associate('VIEWER', [{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([GET, CT]);
  });

  it('takes the SCU role away from an AE that may get but not store, and refuses its C-STOREs', async () => {
    const connection = await associate('GETONLY', [{ sopClassUid: CT, scuRole: true, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([{ sopClassUid: CT, scuRole: false, scpRole: true }]);
    // The storage context is answered by the C-GET service, so it stands even without STORE.
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([GET, CT]);
    const statuses: (number | undefined)[] = [];
    for await (const r of connection.request(connection.contextFor(CT)!, { commandField: CommandField.CStoreRQ, affectedSOPClassUID: CT, affectedSOPInstanceUID: '1.2.3', priority: 0 }, Buffer.alloc(8))) statuses.push(r.command.status);
    expect(statuses).toEqual([DimseStatus.NotAuthorized]);
  });

  it('lets the service of an accepted context answer its SOP Class Extended Negotiation, once per SOP class, and answers nothing for a rejected one (PS3.7 D.3.3.5)', async () => {
    const proposed = (uid: string, bytes: number[]) => ({ sopClassUid: uid, serviceClassApplicationInformation: Buffer.from(bytes) });
    const viewer = await associate('VIEWER', [], [proposed(GET, [1, 1]), proposed(GET, [1]), proposed(CT, [1]), proposed('1.2.3.4', [1])]);
    expect(viewer.info.extendedNegotiations).toEqual([proposed(GET, [0, 1])]);
    // FINDER may not GET: its GET context is rejected, so the GET service is not asked.
    const finder = await associate('FINDER', [], [proposed(GET, [1, 1])]);
    expect(finder.info.extendedNegotiations).toBeUndefined();
  });

  it('leaves the default roles for an AE that may not get, and rejects the GET context', async () => {
    const connection = await associate('FINDER', [{ sopClassUid: CT, scuRole: false, scpRole: true }]);
    expect(connection.info.roleSelections).toEqual([]);
    expect([...connection.contexts.values()].map((c) => c.abstractSyntax)).toEqual([CT]);
  });
});

describe('DimseListener User Identity Negotiation (PS3.7 D.3.3.7)', () => {
  const ISSUER = 'http://127.0.0.1:1/oidc';
  const dir = mkdtempSync(path.join(tmpdir(), 'dimse-identity-'));
  const store = new MemoryAuditStore();
  const aes = new MemoryAeRegistry();
  const open: DimseConnection[] = [];
  const listeners: DimseListener[] = [];
  let issuer: EmbeddedIssuer;
  let key: CryptoKey;
  let verifier: JwtTokenVerifier;
  // The users that C-STOREs arrived from: what a service sees of the association.
  const storedBy: unknown[] = [];
  const whoService: DimseService = { ...storeService, handle: async (request) => (storedBy.push(request.association.user), { command: { commandField: CommandField.CStoreRSP, status: DimseStatus.Success } }) };

  beforeAll(async () => {
    issuer = await EmbeddedIssuer.open({ issuer: ISSUER, directory: dir, audience: 'tessera', tenants: ['default'], accessTokenTtlSeconds: 60 });
    const pair = await generateKeyPair('RS256');
    key = pair.privateKey;
    verifier = new JwtTokenVerifier({ issuer: ISSUER, audience: 'tessera', clockToleranceSeconds: 0, ...EMBEDDED_CLAIMS }, createLocalJWKSet({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'RS256' }] }));
  });

  afterAll(async () => {
    for (const c of open) c.abort('test over');
    for (const l of listeners) await l.onModuleDestroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(policy: string): Promise<DimseListener> {
    const config: TesseraConfig = loadConfig({ DIMSE_PORT: '0', DIMSE_USER_IDENTITY: policy });
    const registry = new DimseServiceRegistry();
    registry.register(whoService);
    const audit = new DimseAudit(config, silentLogger, new AuditTrail(store, undefined, { source: { auditSourceId: 'test' } }));
    const listener = new DimseListener(config, silentLogger, tenantResolver(config), registry, audit, new DimseUserIdentity(config, silentLogger, verifier, audit, issuer), aes);
    await listener.onApplicationBootstrap();
    listeners.push(listener);
    return listener;
  }

  async function associate(listener: DimseListener, userIdentity?: UserIdentity): Promise<DimseConnection> {
    const connection = await requestAssociation({
      host: '127.0.0.1',
      port: listener.port,
      callingAETitle: 'MODALITY',
      calledAETitle: 'TESSERA',
      contexts: [
        { id: 1, abstractSyntax: SopClassUIDs.Verification, transferSyntaxes: [ELE] },
        { id: 3, abstractSyntax: CT, transferSyntaxes: [ELE] },
      ],
      ...(userIdentity ? { userIdentity } : {}),
      maxPduLength: 16384,
      artimTimeoutMs: 5000,
      idleTimeoutMs: 5000,
      responseTimeoutMs: 5000,
    });
    open.push(connection);
    return connection;
  }

  const token = (expiresIn: number): Promise<string> =>
    new SignJWT({ sub: 'u-1', preferred_username: 'tech', roles: ['technologist'], tenants: ['default'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer(ISSUER)
      .setAudience('tessera')
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(key);
  const jwt = async (expiresIn: number, positiveResponseRequested: boolean): Promise<UserIdentity> => ({ type: UserIdentityType.Jwt, positiveResponseRequested, primaryField: Buffer.from(await token(expiresIn)), secondaryField: Buffer.alloc(0) });
  const password = (username: string, passcode: string): UserIdentity => ({ type: UserIdentityType.UsernameAndPasscode, positiveResponseRequested: true, primaryField: Buffer.from(username), secondaryField: Buffer.from(passcode) });
  const rejection = (attempt: Promise<unknown>) => attempt.then(() => 'accepted', (err: unknown) => (err instanceof AssociationRejectedError ? { result: err.result, source: err.source, reason: err.reason } : err));
  const refusedByIdentity = { result: RejectResult.Permanent, source: RejectSource.ServiceProviderAcse, reason: RejectReason.NoReasonGiven };
  /** The User Authentication messages of the tenant, counted by outcome and user (they are written in the background). */
  const authentications = async (outcome: number, userId: string) => (await store.search({ tenant: 'default', eventType: '110114', limit: 1000 })).filter((r) => r.outcome === outcome && r.userIds.includes(userId)).length;

  it('optional: keeps the verified JWT user on the association, answers an empty positive response only when asked, and serves an association without identity', async () => {
    const listener = await start('optional');
    const before = await authentications(0, 'u-1');
    const asked = await associate(listener, await jwt(60, true));
    expect(asked.info.userIdentityServerResponse).toEqual(Buffer.alloc(0));
    const unasked = await associate(listener, await jwt(60, false));
    expect(unasked.info.userIdentityServerResponse).toBeUndefined();
    const anonymous = await associate(listener);
    expect(anonymous.info.userIdentityServerResponse).toBeUndefined();
    for (const connection of [asked, anonymous]) {
      for await (const r of connection.request(connection.contextFor(CT)!, { commandField: CommandField.CStoreRQ, affectedSOPClassUID: CT, affectedSOPInstanceUID: '1.2.3', priority: 0 }, Buffer.alloc(8))) expect(r.command.status).toBe(DimseStatus.Success);
    }
    expect(storedBy).toEqual([{ id: 'u-1', name: 'tech', issuer: ISSUER }, undefined]);
    // Two checks, two successful User Authentication messages naming the token's subject.
    await expectEventually(async () => expect(await authentications(0, 'u-1')).toBe(before + 2));
  });

  it('optional: rejects an expired JWT and a wrong passcode, permanent, ACSE, no reason given, and records the rejections and failed logins', async () => {
    const listener = await start('optional');
    const [user] = issuer.accounts.users;
    const before = [await authentications(4, 'MODALITY'), await authentications(4, user?.username ?? '')];
    expect(await rejection(associate(listener, await jwt(-60, true)))).toEqual(refusedByIdentity);
    expect(await rejection(associate(listener, password(user?.username ?? '', `${user?.password ?? ''}x`)))).toEqual(refusedByIdentity);
    expect((await aes.rejections('default', 10)).slice(0, 2).map((r) => r.reason)).toEqual([expect.stringMatching(/^user-identity-refused: wrong username or passcode/), expect.stringMatching(/^user-identity-refused: the JSON Web Token was refused: .*expired/)]);
    // Failed logins: the token's user is unknown (named by the calling AE), the account's is named.
    await expectEventually(async () => expect([await authentications(4, 'MODALITY'), await authentications(4, user?.username ?? '')]).toEqual([(before[0] ?? 0) + 1, (before[1] ?? 0) + 1]));
  });

  it('accepts a development account\u2019s username and passcode with an empty positive response', async () => {
    const listener = await start('required');
    const [user] = issuer.accounts.users;
    const connection = await associate(listener, password(user?.username ?? '', user?.password ?? ''));
    expect(connection.info.userIdentityServerResponse).toEqual(Buffer.alloc(0));
  });

  it('required: rejects an association without identity, and one with a bare username', async () => {
    const listener = await start('required');
    expect(await rejection(associate(listener))).toEqual(refusedByIdentity);
    expect(await rejection(associate(listener, { type: UserIdentityType.Username, positiveResponseRequested: false, primaryField: Buffer.from('tech'), secondaryField: Buffer.alloc(0) }))).toEqual(refusedByIdentity);
    expect((await aes.rejections('default', 2)).map((r) => r.reason)).toEqual([expect.stringContaining('username cannot be verified'), expect.stringContaining('no user identity was offered')]);
  });

  it('ignore: accepts whatever is offered without a response', async () => {
    const listener = await start('ignore');
    const connection = await associate(listener, await jwt(-60, true));
    expect(connection.info.userIdentityServerResponse).toBeUndefined();
  });
});
