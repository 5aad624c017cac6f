import { Body, Controller, Delete, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { SecurityAlertType, type AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import { isValidUid } from '@tessera/dicom';
import { MAX_GRANT_DAYS, type StudyGrant, type StudyGrants } from '@tessera/grants';
import { AUDIT_TRAIL, callerOf, callerParticipant, CONFIG, Requires, sendError, STUDY_GRANTS } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

const GrantBody = z.object({
  study: z.string().refine(isValidUid, 'a Study Instance UID'),
  /** The grantee's `sub`, and the issuer of their tokens (default: the caller's). */
  grantee: z.object({ subject: z.string().min(1).max(256), issuer: z.string().url().optional() }),
  expiresAt: z.string().datetime({ offset: true }),
  reason: z.string().min(1).max(1000),
});

/**
 * Study sharing (issue 6): a study of this tenant shared with one person — a referring physician, a
 * radiologist of another hospital — until a date, with a reason. The grantee then searches and
 * retrieves that study (the routes that honour grants) and nothing else. Creating and revoking a
 * grant are audited (Security Alert, Object Security Attributes Changed).
 */
@Requires('studies:share')
@Controller('admin/tenants/:tenant/study-grants')
export class StudyGrantsController {
  constructor(
    @Inject(STUDY_GRANTS) private readonly grants: StudyGrants,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: TesseraConfig,
  ) {}

  @Post()
  async create(@Param('tenant') tenant: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const parsed = GrantBody.safeParse(body);
    if (!parsed.success) return sendError(reply, 400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { study, grantee, expiresAt, reason } = parsed.data;
    const expires = new Date(expiresAt);
    const now = Date.now();
    if (expires.getTime() <= now || expires.getTime() > now + MAX_GRANT_DAYS * 86_400_000) return sendError(reply, 400, `expiresAt: in the future, at most ${MAX_GRANT_DAYS} days from now`);
    const caller = callerOf(request);
    if (!caller) return sendError(reply, 401, 'No caller');
    const grant = await this.grants.create({ tenant, studyInstanceUID: study, granteeSubject: grantee.subject, granteeIssuer: grantee.issuer ?? caller.issuer, expiresAt: expires, reason, grantedBy: caller.subject });
    await this.audit(request, grant, `study shared with ${grant.granteeSubject} until ${grant.expiresAt.toISOString()}: ${reason}`);
    await reply.code(201).send(grant);
  }

  @Get()
  async list(@Param('tenant') tenant: string, @Query('study') study: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    await reply.send(await this.grants.list(tenant, study));
  }

  @Delete(':grant')
  async revoke(@Param('tenant') tenant: string, @Param('grant') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const revoked = await this.grants.revoke(tenant, id, new Date());
    if (!revoked) return sendError(reply, 404, `No live grant ${JSON.stringify(id)} in tenant ${tenant}`);
    await this.audit(request, revoked, `share with ${revoked.granteeSubject} revoked`);
    await reply.code(204).send();
  }

  private async audit(request: FastifyRequest, grant: StudyGrant, what: string): Promise<void> {
    const caller = callerOf(request);
    if (!caller) return;
    await this.trail.record({
      type: 'security-alert',
      tenant: grant.tenant,
      alert: SecurityAlertType.ObjectSecurityAttributesChanged,
      reporter: callerParticipant(caller, request.ip),
      subjects: [{ kind: 'uri', id: `study:${grant.studyInstanceUID}`, description: what }],
    });
  }
}
