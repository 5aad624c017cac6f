import { Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { Audited, dicomwebBase, noteStudy, Requires, sendDicomJson, TENANT_RESOLVER, type TenantResolver } from '@tessera/platform';
import { currentTraceparent, inSpan } from '@tessera/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StoreStudiesUseCase } from './store-studies.use-case';
import { stowResponse } from './stow-response';

/** STOW-RS (PS3.18 10.5): POST /dicomweb/studies[/{StudyInstanceUID}]. */
@Requires('studies:write')
@Audited('store')
@Controller('dicomweb/studies')
export class StowController {
  constructor(
    private readonly storeStudies: StoreStudiesUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  @Post()
  async storeAny(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.store(request, reply, undefined);
  }

  @Post(':study')
  async storeInStudy(@Param('study') study: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.store(request, reply, study);
  }

  private async store(request: FastifyRequest, reply: FastifyReply, study: string | undefined): Promise<void> {
    // A client's W3C trace context continues into the stored instances' events.
    const incoming = typeof request.headers.traceparent === 'string' ? request.headers.traceparent : undefined;
    const result = await inSpan('dicomweb.stow-rs', { 'tessera.tenant': this.tenants.forHttp(request) }, () => {
      const traceparent = currentTraceparent();
      return this.storeStudies.execute({
      tenant: this.tenants.forHttp(request),
      contentType: request.headers['content-type'],
      // The multipart/related parser hands the request stream through unread; a body Fastify parsed
      // itself (JSON) is gone already and is refused for its media type before it would be read.
      body: request.body instanceof Readable ? request.body : Readable.from([]),
      ...(study !== undefined ? { studyInstanceUID: study } : {}),
      correlationId: request.id ?? randomUUID(),
      remoteAddress: request.ip,
      ...(traceparent ? { traceparent } : {}),
      });
    }, incoming);
    switch (result.kind) {
      case 'unsupported-media-type':
        await reply.code(415).type('application/json').send({ status: 415, message: result.message });
        return;
      case 'bad-request':
        await reply.code(400).type('application/json').send({ status: 400, message: result.message });
        return;
      case 'unavailable':
        await reply.code(503).type('application/json').send({ status: 503, message: result.message });
        return;
      case 'stored': {
        for (const { identity, result: outcome } of result.results) {
          if (outcome.outcome !== 'failed' && identity.studyInstanceUID) {
            noteStudy(request, { studyInstanceUID: identity.studyInstanceUID, ...(identity.patient ? { patient: identity.patient } : {}), ...(identity.sopClassUID ? { sopClassUID: identity.sopClassUID } : {}) });
          }
        }
        const { status, body } = stowResponse(result.results, dicomwebBase(request, this.tenants));
        await sendDicomJson(reply, status, body);
      }
    }
  }
}
