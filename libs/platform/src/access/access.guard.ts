import { HttpException, Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { SecurityAlertType, type AuditEvent, type AuditTrail } from '@tessera/audit';
import { Reflector } from '@nestjs/core';
import { AuthenticationError, PERMISSION_WORDS, permits, type Principal, type TokenVerifier } from '@tessera/identity';
import type { TesseraConfig } from '@tessera/config';
import type { Logger } from '@tessera/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { TenantResolver } from '../tenant-resolver';
import { AUDIT_TRAIL, CONFIG, LOGGER, STUDY_GRANTS, TENANT_RESOLVER, TOKEN_VERIFIER } from '../tokens';
import { anonymousParticipant, callerParticipant } from '../audit/audit-participants';
import { ACCESS, SHAREABLE, type AccessRequirement } from './access.decorators';
import { answerThroughView, RESEARCH_VIEW, ResearchView } from './research-view';
import type { StudyGrants } from '@tessera/grants';

const CALLER = Symbol('tessera.caller');
const GRANTED = Symbol('tessera.granted-studies');

/**
 * The studies a request may see when its caller came in through study grants, not as a member with
 * the permission; undefined for a member (who sees the whole tenant).
 */
export function grantedStudiesOf(request: { readonly raw: IncomingMessage }): readonly string[] | undefined {
  return (request.raw as IncomingMessage & { [GRANTED]?: readonly string[] })[GRANTED];
}

/** The authenticated caller of a request that passed the access guard. */
export function callerOf(request: { readonly raw: IncomingMessage }): Principal | undefined {
  return (request.raw as IncomingMessage & { [CALLER]?: Principal })[CALLER];
}

/**
 * Every HTTP request passes here first (issue 6, ARCHITECTURE §5): a bearer token (RFC 6750) that
 * the issuer signed for this server, a caller who belongs to the tenant addressed, and a role that
 * grants the route's permission. 401 when the caller is not authenticated (with a WWW-Authenticate
 * challenge saying why), 403 when they are but may not. A route that declares no requirement is
 * refused to everyone, so a forgotten decorator fails closed. Bodies never carry patient data.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Optional() @Inject(AUDIT_TRAIL) private readonly trail?: AuditTrail,
    @Optional() @Inject(STUDY_GRANTS) private readonly grants?: StudyGrants,
  ) {}

  /** Refusals are audited (PS3.15 A.5.3): a failed authentication, or a use of a function the caller may not use. */
  private audit(event: AuditEvent): void {
    this.trail?.record(event).catch((err: Error) => this.logger.error('audit record not written', { reason: err.message, event: event.type }));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const requirement = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    if (requirement === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (requirement === undefined) {
      this.logger.error('route without an access requirement refused', { route: `${context.getClass().name}.${context.getHandler().name}` });
      throw refusal(403, 'This route is not open to anyone');
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      this.audit({ type: 'user-authentication', activity: 'login', tenant: this.tenants.forHttp(request), outcome: { indicator: 4, description: `no bearer token for ${request.method} ${request.routeOptions.url ?? ''}` }, user: anonymousParticipant(request.ip) });
      void reply.header('WWW-Authenticate', 'Bearer realm="tessera"');
      throw refusal(401, 'A bearer token is required (Authorization: Bearer <access token>)');
    }
    let caller: Principal;
    try {
      caller = await this.verifier.verify(token);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      if (err.code === 'issuer-unreachable') {
        this.logger.warn('token not checked: issuer unreachable', { reason: err.message });
        throw refusal(503, 'The identity provider cannot be reached to check the token; try again later');
      }
      this.audit({ type: 'user-authentication', activity: 'login', tenant: this.tenants.forHttp(request), outcome: { indicator: 4, description: `bearer token refused: ${err.message}` }, user: anonymousParticipant(request.ip) });
      // RFC 6750 3.1: invalid_token, with a description a developer can act on.
      void reply.header('WWW-Authenticate', `Bearer realm="tessera", error="invalid_token", error_description="${err.message}"`);
      throw refusal(401, `The bearer token was refused: ${err.message}`);
    }
    const restricted = (why: string): void =>
      this.audit({
        type: 'security-alert',
        tenant: this.tenants.forHttp(request),
        outcome: { indicator: 4, description: why },
        alert: SecurityAlertType.UseOfRestrictedFunction,
        reporter: callerParticipant(caller, request.ip),
        subjects: [{ kind: 'uri', id: `${request.method} ${request.url}`, description: why }],
      });
    const addressed = this.addressedTenants(request);
    const member = addressed.every((t) => caller.tenants.includes(t));
    const researchTenant = addressed.every((t) => this.config.researchTenants.includes(t));
    if (!(member && permits(caller.roles, requirement, { researchTenant })) && ((await this.throughGrants(context, request, caller, requirement, addressed)) || this.throughResearchView(context, request, caller, requirement, addressed, member))) {
      (request.raw as IncomingMessage & { [CALLER]?: Principal })[CALLER] = caller;
      return true;
    }
    for (const tenant of addressed) {
      if (!caller.tenants.includes(tenant)) {
        restricted(`not a member of tenant ${tenant}`);
        throw refusal(403, `${caller.name} does not belong to tenant ${tenant}`);
      }
    }
    if (!permits(caller.roles, requirement, { researchTenant })) {
      restricted(`no role that may ${PERMISSION_WORDS[requirement]}`);
      void reply.header('WWW-Authenticate', `Bearer realm="tessera", error="insufficient_scope"`);
      throw refusal(403, `${caller.name} has no role that may ${PERMISSION_WORDS[requirement]} (roles: ${caller.roles.join(', ') || 'none'})`);
    }
    (request.raw as IncomingMessage & { [CALLER]?: Principal })[CALLER] = caller;
    return true;
  }

  /**
   * Study grants (issue 6): someone who may not read the tenant may still read the studies shared
   * with them, on the routes that honour grants — the study named in the path, or a search answered
   * from the shared studies only.
   */
  private async throughGrants(context: ExecutionContext, request: FastifyRequest, caller: Principal, requirement: AccessRequirement, addressed: readonly string[]): Promise<boolean> {
    if (requirement !== 'studies:read' || !this.grants || addressed.length !== 1) return false;
    if (!this.reflector.getAllAndOverride<boolean | undefined>(SHAREABLE, [context.getHandler(), context.getClass()])) return false;
    const granted = await this.grants.grantedStudies(addressed[0] as string, { subject: caller.subject, issuer: caller.issuer }, new Date());
    const study = (request.params as Record<string, string> | undefined)?.study;
    if (granted.length === 0 || (study !== undefined && !granted.includes(study))) return false;
    (request.raw as IncomingMessage & { [GRANTED]?: readonly string[] })[GRANTED] = granted;
    return true;
  }

  /**
   * The researcher's on-the-fly view (issue 6): a researcher who belongs to an identified tenant
   * reads it de-identified, on the routes that can answer so, when de-identification is configured.
   */
  private throughResearchView(context: ExecutionContext, request: FastifyRequest, caller: Principal, requirement: AccessRequirement, addressed: readonly string[], member: boolean): boolean {
    const secret = this.config.deidSecret;
    if (requirement !== 'studies:read' || !member || !caller.roles.includes('researcher') || secret === undefined || addressed.length !== 1) return false;
    if (!this.reflector.getAllAndOverride<boolean | undefined>(RESEARCH_VIEW, [context.getHandler(), context.getClass()])) return false;
    answerThroughView(request.raw, new ResearchView(secret, addressed[0] as string));
    return true;
  }

  /** The tenant of the URL prefix (or the default one), and the tenant named by an admin route's :tenant. */
  private addressedTenants(request: FastifyRequest): string[] {
    const named = (request.params as Record<string, string> | undefined)?.tenant;
    if (named === undefined) return [this.tenants.forHttp(request)];
    return this.tenants.pathPrefix(request) === '' ? [named] : [this.tenants.forHttp(request), named];
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return match?.[1];
}

function refusal(status: number, message: string): HttpException {
  return new HttpException({ status, message }, status);
}
