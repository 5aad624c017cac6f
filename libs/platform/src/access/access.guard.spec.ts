import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { Controller, Get, Module, Req } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AuthenticationError, type Principal, type TokenVerifier } from '@tessera/identity';
import { createLogger } from '@tessera/telemetry';
import { ConfiguredTenantResolver } from '../tenant-resolver';
import { CONFIG, LOGGER, STUDY_GRANTS, TENANT_RESOLVER, TOKEN_VERIFIER } from '../tokens';
import { Public, Requires, Shareable } from './access.decorators';
import { AccessGuard, callerOf, grantedStudiesOf } from './access.guard';
import { MemoryStudyGrants } from '@tessera/grants';
import type { FastifyRequest } from 'fastify';

/** The in-memory twin of the token port: a token is the name of a caller in this table. */
class TableVerifier implements TokenVerifier {
  constructor(private readonly callers: Readonly<Record<string, Principal | AuthenticationError>>) {}
  verify(token: string): Promise<Principal> {
    const caller = this.callers[token];
    if (caller === undefined) return Promise.reject(new AuthenticationError('bad-signature', 'the token signature does not verify'));
    return caller instanceof AuthenticationError ? Promise.reject(caller) : Promise.resolve(caller);
  }
}

const person = (name: string, roles: Principal['roles'], tenants: string[]): Principal => ({ subject: name, name, issuer: 'https://idp', roles, tenants, expiresAt: 0 });

@Controller()
class SampleController {
  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }

  @Requires('studies:read')
  @Get('dicomweb/studies')
  studies(): string {
    return 'studies';
  }

  @Requires('studies:read')
  @Shareable()
  @Get('dicomweb/studies/:study/metadata')
  metadata(): string {
    return 'metadata';
  }

  @Requires('studies:read')
  @Shareable()
  @Get('dicomweb/series')
  series(@Req() request: FastifyRequest): string {
    return JSON.stringify(grantedStudiesOf(request) ?? 'all');
  }

  @Requires('studies:read')
  @Get('fhir/ImagingStudy')
  fhir(): string {
    return 'not shareable';
  }

  @Requires('tenant:manage')
  @Get('admin/tenants/:tenant/things')
  things(): string {
    return 'things';
  }

  @Get('forgotten')
  forgotten(): string {
    return 'should never be seen';
  }
}

describe('AccessGuard', () => {
  let app: NestFastifyApplication;
  let seen: Principal | undefined;
  const grants = new MemoryStudyGrants();

  beforeAll(async () => {
    const now = Date.now();
    await grants.create({ tenant: 'default', studyInstanceUID: '1.2.3', granteeSubject: 'referrer', granteeIssuer: 'https://idp', expiresAt: new Date(now + 3_600_000), reason: 'consult', grantedBy: 'rad' });
    await grants.create({ tenant: 'default', studyInstanceUID: '1.2.4', granteeSubject: 'referrer', granteeIssuer: 'https://idp', expiresAt: new Date(now - 1000), reason: 'expired', grantedBy: 'rad' });
    await grants.create({ tenant: 'default', studyInstanceUID: '1.2.5', granteeSubject: 'referrer', granteeIssuer: 'https://elsewhere', expiresAt: new Date(now + 3_600_000), reason: 'another issuer', grantedBy: 'rad' });
    const tenants = new ConfiguredTenantResolver('default', ['default', 'st-mary', 'research'], {});
    const verifier = new TableVerifier({
      rad: person('rad', ['radiologist'], ['default']),
      'mary-rad': person('mary-rad', ['radiologist'], ['st-mary']),
      'mary-admin': person('mary-admin', ['admin'], ['st-mary']),
      scientist: person('scientist', ['researcher'], ['default', 'research']),
      referrer: person('referrer', ['referring-physician'], ['st-mary']),
      expired: new AuthenticationError('expired', 'the token has expired'),
      offline: new AuthenticationError('issuer-unreachable', "the issuer's keys could not be fetched"),
    });
    @Module({
      controllers: [SampleController],
      providers: [
        { provide: TOKEN_VERIFIER, useValue: verifier },
        { provide: TENANT_RESOLVER, useValue: tenants },
        { provide: CONFIG, useValue: { researchTenants: ['research'] } },
        { provide: LOGGER, useValue: createLogger({ level: 'error', format: 'json' }, {}) },
        { provide: STUDY_GRANTS, useValue: grants },
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
    })
    class SampleModule {}
    const moduleRef = await Test.createTestingModule({ imports: [SampleModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter({ logger: false, rewriteUrl: (req: IncomingMessage | Http2ServerRequest) => tenants.rewriteUrl(req as IncomingMessage) }), { logger: false });
    app.getHttpAdapter().getInstance().addHook('onResponse', (request, _reply, done) => {
      seen = callerOf(request);
      done();
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const call = async (url: string, token?: string) => {
    const res = await app.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, challenge: res.headers['www-authenticate'], message: res.statusCode < 400 ? res.body : (res.json() as { message: string }).message };
  };

  it('lets anyone reach a public route', async () => {
    expect((await call('/open')).status).toBe(200);
  });

  it('asks for a token (RFC 6750 3) when there is none, and says why one was refused', async () => {
    expect(await call('/dicomweb/studies')).toMatchObject({ status: 401, challenge: 'Bearer realm="tessera"' });
    expect(await call('/dicomweb/studies', 'expired')).toMatchObject({ status: 401, challenge: expect.stringContaining('error="invalid_token"'), message: expect.stringContaining('expired') });
    expect((await call('/dicomweb/studies', 'forged')).status).toBe(401);
    const basic = await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { authorization: 'Basic cmFkOnB3' } });
    expect(basic.statusCode).toBe(401);
  });

  it('answers 503, not 401, while the issuer cannot be reached to check a token', async () => {
    expect((await call('/dicomweb/studies', 'offline')).status).toBe(503);
  });

  it('admits a caller with the permission in the tenant addressed, and remembers who it was', async () => {
    expect((await call('/dicomweb/studies', 'rad')).status).toBe(200);
    expect(seen?.name).toBe('rad');
    expect((await call('/tenants/st-mary/dicomweb/studies', 'mary-rad')).status).toBe(200);
    expect((await call('/admin/tenants/st-mary/things', 'mary-admin')).status).toBe(200);
  });

  it('refuses (403) a caller of another tenant, whether the tenant is in the prefix or the path', async () => {
    expect(await call('/dicomweb/studies', 'mary-rad')).toMatchObject({ status: 403, message: 'mary-rad does not belong to tenant default' });
    expect((await call('/tenants/st-mary/dicomweb/studies', 'rad')).status).toBe(403);
    expect((await call('/admin/tenants/default/things', 'mary-admin')).status).toBe(403);
    expect((await call('/tenants/st-mary/admin/tenants/default/things', 'mary-admin')).status).toBe(403);
  });

  it('refuses (403) a caller whose roles do not grant the permission', async () => {
    expect(await call('/admin/tenants/default/things', 'rad')).toMatchObject({ status: 403, challenge: expect.stringContaining('insufficient_scope'), message: expect.stringContaining("manage the tenant's configuration") });
    expect((await call('/tenants/st-mary/dicomweb/studies', 'mary-admin')).status).toBe(403);
  });

  it('lets a researcher read a research tenant, and no other', async () => {
    expect((await call('/tenants/research/dicomweb/studies', 'scientist')).status).toBe(200);
    expect((await call('/dicomweb/studies', 'scientist')).status).toBe(403);
  });

  it('admits a grantee to the studies shared with them, on the routes that honour grants, and nowhere else', async () => {
    expect((await call('/dicomweb/studies/1.2.3/metadata', 'referrer')).status).toBe(200);
    expect((await call('/dicomweb/series', 'referrer')).message).toBe('["1.2.3"]');
    expect((await call('/dicomweb/studies/1.2.4/metadata', 'referrer')).status).toBe(403); // expired
    expect((await call('/dicomweb/studies/1.2.5/metadata', 'referrer')).status).toBe(403); // granted to someone else's namesake
    expect((await call('/dicomweb/studies/9.9.9/metadata', 'referrer')).status).toBe(403);
    expect((await call('/fhir/ImagingStudy', 'referrer')).status).toBe(403); // does not filter by grants
    expect((await call('/tenants/st-mary/dicomweb/series', 'referrer')).status).toBe(403); // a member, without the permission
    expect((await call('/dicomweb/series', 'rad')).message).toBe('"all"'); // a member sees the tenant
  });

  it('refuses everyone a route that declares no requirement', async () => {
    expect((await call('/forgotten', 'rad')).status).toBe(403);
  });
});
