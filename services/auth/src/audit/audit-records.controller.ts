import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import type { AuditStore, AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import { AUDIT_STORE, AUDIT_TRAIL, callerOf, callerParticipant, CONFIG, Requires, sendError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';

interface SearchParams {
  readonly from?: string;
  readonly to?: string;
  readonly eventType?: string;
  readonly userId?: string;
  readonly patientId?: string;
  readonly studyInstanceUID?: string;
  readonly limit?: string;
  readonly offset?: string;
}

/**
 * A tenant's audit trail for its administrators (issue 6): search, and the verification of its hash
 * chain. Reading the trail is itself audited (PS3.15 A.5.3.2 Audit Log Used).
 */
@Requires('audit:read')
@Controller('admin/tenants/:tenant')
export class AuditRecordsController {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: TesseraConfig,
  ) {}

  @Get('audit-records')
  async search(@Param('tenant') tenant: string, @Query() query: SearchParams, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const date = (name: 'from' | 'to'): Date | undefined | null => {
      const text = query[name];
      if (text === undefined) return undefined;
      const value = new Date(text);
      return Number.isNaN(value.getTime()) ? null : value;
    };
    const from = date('from');
    const to = date('to');
    if (from === null || to === null) return sendError(reply, 400, 'from and to are ISO 8601 date-times, e.g. 2026-11-22T08:00:00Z');
    const limit = Number(query.limit ?? 100);
    const offset = Number(query.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || !Number.isInteger(offset) || offset < 0) return sendError(reply, 400, 'limit is 1-1000 and offset 0 or more');
    const records = await this.store.search({
      tenant,
      limit,
      offset,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(query.eventType ? { eventType: query.eventType } : {}),
      ...(query.userId ? { userId: query.userId } : {}),
      ...(query.patientId ? { patientId: query.patientId } : {}),
      ...(query.studyInstanceUID ? { studyInstanceUID: query.studyInstanceUID } : {}),
    });
    await this.logUsed(tenant, request);
    await reply.send(records);
  }

  @Get('audit-records/verification')
  async verify(@Param('tenant') tenant: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const verification = await this.store.verify(tenant);
    await this.logUsed(tenant, request);
    await reply.send(verification);
  }

  private async logUsed(tenant: string, request: FastifyRequest): Promise<void> {
    const caller = callerOf(request);
    if (!caller) return;
    await this.trail.record({ type: 'audit-log-used', tenant, accessors: [callerParticipant(caller, request.ip)], auditLogUri: `${request.protocol}://${request.host}${request.url}` });
  }
}
