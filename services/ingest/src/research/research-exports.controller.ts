import { Body, Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { MediaType, type AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import { DEID_OPTIONS } from '@tessera/deid';
import { isValidUid } from '@tessera/dicom';
import { AUDIT_TRAIL, callerOf, callerParticipant, CONFIG, publicHost, Requires, sendError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ExportDeidentifiedUseCase } from './export-deidentified.use-case';

const ExportBody = z.object({
  study: z.string().refine(isValidUid, 'a Study Instance UID'),
  to: z.string(),
  project: z.string(),
  options: z.array(z.enum(DEID_OPTIONS as [string, ...string[]])).default([]),
});

/**
 * De-identified exports into a research tenant (issue 6): POST a study of this tenant, the research
 * tenant and the project; the de-identified copy is stored there, where researchers may read it.
 * Audited as an Export (PS3.15 A.5.3.4).
 */
@Requires('research:export')
@Controller('admin/tenants/:tenant/research-exports')
export class ResearchExportsController {
  constructor(
    private readonly exports: ExportDeidentifiedUseCase,
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
  ) {}

  @Post()
  async create(@Param('tenant') tenant: string, @Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const secret = this.config.deidSecret;
    if (secret === undefined) return sendError(reply, 409, 'De-identified exports are not configured on this server (DEID_SECRET)');
    const parsed = ExportBody.safeParse(body);
    if (!parsed.success) return sendError(reply, 400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { study, to, project, options } = parsed.data;
    if (!this.config.researchTenants.includes(to)) return sendError(reply, 400, `${to} is not a research tenant (TESSERA_RESEARCH_TENANTS)`);
    const caller = callerOf(request);
    if (!caller?.tenants.includes(to)) return sendError(reply, 403, `${caller?.name ?? 'the caller'} does not belong to tenant ${to}`);
    const result = await this.exports.execute({ from: tenant, to, studyInstanceUID: study, project, options: options as (typeof DEID_OPTIONS)[number][], secret, correlationId: request.id ?? randomUUID() });
    switch (result.kind) {
      case 'invalid':
        return sendError(reply, 400, result.message);
      case 'not-found':
        return sendError(reply, 404, `No study ${study} in tenant ${tenant}`);
      case 'exported':
        if (result.patient) {
          await this.trail.record({
            type: 'export',
            tenant,
            outcome: result.failed.length === 0 ? { indicator: 0 } : { indicator: result.stored > 0 ? 4 : 8, description: `${result.failed.length} instances not exported` },
            actors: [callerParticipant(caller, request.ip)],
            media: { id: `${request.protocol}://${publicHost(request)}/tenants/${to}/dicomweb`, mediaType: MediaType.URI },
            studies: [{ studyInstanceUID: study }],
            patients: [result.patient],
          });
        }
        await reply.code(result.stored > 0 ? 201 : 422).send({ tenant: to, project, studyInstanceUID: result.studyInstanceUID, stored: result.stored, failed: result.failed });
    }
  }
}
