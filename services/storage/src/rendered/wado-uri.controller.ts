import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { Audited, grantedStudiesOf, LOGGER, Requires, sendError, Shareable, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import { parseAccept } from '@tessera/multipart';
import { parseWadoUriQuery, RenderError, type QueryParameters, type WadoUriIds, type WadoUriRequest } from '@tessera/rendering';
import type { Logger } from '@tessera/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { NotDeliverableError, RetrieveInstancesUseCase } from '../retrieve/retrieve-instances.use-case';
import { renderErrorStatus } from './render-error-status';
import { RetrieveRenderedUseCase } from './retrieve-rendered.use-case';

/**
 * WADO-URI (PS3.18 Chapter 9) for legacy viewers, at /dicomweb/wado as dcm4chee-arc and Orthanc
 * expose it: one object as application/dicom, or one frame of it rendered as image/jpeg or image/png.
 * A grantee reaches the studies shared with them only.
 */
@Requires('studies:read')
@Audited('retrieve-part')
@Shareable()
@Controller('dicomweb/wado')
export class WadoUriController {
  private readonly logger: Logger;

  constructor(
    private readonly rendered: RetrieveRenderedUseCase,
    private readonly retrieve: RetrieveInstancesUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'wado-uri' });
  }

  @Get()
  async wado(@Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let request: WadoUriRequest;
    try {
      request = parseWadoUriQuery(query);
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      return sendError(reply, renderErrorStatus(err.code), err.message);
    }
    const { ids } = request;
    if (!(await validPathUids(reply, { 'Study Instance UID': ids.study, 'Series Instance UID': ids.series, 'SOP Instance UID': ids.instance }))) return;
    // The study is in the query, not the path, so the access guard let a grantee through for any: check it here.
    const granted = grantedStudiesOf(req);
    if (granted && !granted.includes(ids.study)) return sendError(reply, 403, `Study ${ids.study} is not shared with you`);
    const tenant = this.tenants.forHttp(req);
    if (request.kind === 'dicom') return this.dicom(reply, tenant, ids, request.transferSyntaxUID);
    const result = await this.rendered.execute(tenant, { ...ids, frames: [request.frameNumber] }, request.options);
    switch (result.kind) {
      case 'not-found':
        return sendError(reply, 404, result.message);
      case 'not-an-image':
        // Without contentType a non-image object comes as application/dicom.
        if (request.kind === 'default') return this.dicom(reply, tenant, ids, request.transferSyntaxUID);
        return sendError(reply, 406, `${ids.instance} is not an image; ask for contentType=application/dicom`);
      case 'failed':
        return sendError(reply, renderErrorStatus(result.error.code), result.error.message);
      case 'single':
        return void (await reply.code(200).header('Content-Type', result.image.mediaType).send(result.image.body));
      case 'multipart':
        throw new Error('a WADO-URI request addresses one frame');
    }
  }

  private async dicom(reply: FastifyReply, tenant: string, ids: WadoUriIds, transferSyntaxUID: string): Promise<void> {
    const result = await this.retrieve.execute(tenant, ids, parseAccept(`multipart/related; type="application/dicom"; transfer-syntax=${transferSyntaxUID}`));
    if (result.kind === 'not-found') return sendError(reply, 404, 'No such object');
    if (result.kind === 'not-acceptable') return sendError(reply, 406, result.message);
    const [instance] = result.instances;
    if (!instance) return sendError(reply, 404, 'No such object');
    let body: Readable;
    try {
      body = await instance.open();
    } catch (err) {
      if (err instanceof NotDeliverableError) return sendError(reply, 406, err.message);
      throw err;
    }
    body.on('error', (err) => this.logger.error('WADO-URI retrieval failed mid-response', { error: err.message }));
    await reply.code(200).header('Content-Type', 'application/dicom').send(body);
  }
}
