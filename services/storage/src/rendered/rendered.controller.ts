import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { Audited, LOGGER, Requires, sendError, Shareable, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import { MultipartWriter, writeChunk } from '@tessera/multipart';
import { parseRenderedQuery, RenderError, type QueryParameters, type RenderOptions } from '@tessera/rendering';
import type { Logger } from '@tessera/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import { renderErrorStatus } from './render-error-status';
import { RetrieveRenderedUseCase, type RenderedTarget } from './retrieve-rendered.use-case';
import { RetrieveThumbnailUseCase } from './retrieve-thumbnail.use-case';

/**
 * WADO-RS rendered and thumbnail resources (PS3.18 10.4, 8.3.5.1, 8.7.4) of studies, series,
 * instances and frames. Not research-viewable: rendered pixels may carry burnt-in identity.
 */
@Requires('studies:read')
@Audited('retrieve-part')
@Shareable()
@Controller('dicomweb/studies/:study')
export class RenderedController {
  private readonly logger: Logger;

  constructor(
    private readonly rendered: RetrieveRenderedUseCase,
    private readonly thumbnails: RetrieveThumbnailUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'wado-rs-rendered' });
  }

  @Get('rendered')
  study(@Param('study') study: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(req, reply, query, { study });
  }

  @Get('series/:series/rendered')
  series(@Param('study') study: string, @Param('series') series: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(req, reply, query, { study, series });
  }

  @Get('series/:series/instances/:instance/rendered')
  instance(@Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.render(req, reply, query, { study, series, instance });
  }

  @Get('series/:series/instances/:instance/frames/:frames/rendered')
  frames(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frames') frames: string,
    @Query() query: QueryParameters,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const list = frameList(frames);
    if (!list) return sendError(reply, 400, `"${frames}" is not a list of frame numbers from 1 (PS3.18 8.3.5.1, 10.4)`);
    return this.render(req, reply, query, { study, series, instance, frames: list });
  }

  @Get('thumbnail')
  studyThumbnail(@Param('study') study: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.thumbnail(req, reply, query, { study });
  }

  @Get('series/:series/thumbnail')
  seriesThumbnail(@Param('study') study: string, @Param('series') series: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.thumbnail(req, reply, query, { study, series });
  }

  @Get('series/:series/instances/:instance/thumbnail')
  instanceThumbnail(@Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Query() query: QueryParameters, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.thumbnail(req, reply, query, { study, series, instance });
  }

  @Get('series/:series/instances/:instance/frames/:frames/thumbnail')
  framesThumbnail(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frames') frames: string,
    @Query() query: QueryParameters,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const list = frameList(frames);
    if (!list) return sendError(reply, 400, `"${frames}" is not a list of frame numbers from 1 (PS3.18 10.4)`);
    return this.thumbnail(req, reply, query, { study, series, instance, frames: list });
  }

  private async render(req: FastifyRequest, reply: FastifyReply, query: QueryParameters, target: RenderedTarget): Promise<void> {
    const options = await this.options(req, reply, query, target);
    if (!options) return;
    const result = await this.rendered.execute(this.tenants.forHttp(req), target, options);
    switch (result.kind) {
      case 'not-found':
        return sendError(reply, 404, result.message);
      case 'not-an-image':
        return sendError(reply, 406, 'None of the addressed instances is an image, so there is nothing to render');
      case 'failed':
        return sendError(reply, renderErrorStatus(result.error.code), result.error.message);
      case 'single':
        return void (await reply.code(200).header('Content-Type', result.image.mediaType).send(result.image.body));
      case 'multipart':
        return this.multipart(reply, options, result.parts);
    }
  }

  private async thumbnail(req: FastifyRequest, reply: FastifyReply, query: QueryParameters, target: RenderedTarget): Promise<void> {
    const options = await this.options(req, reply, query, target);
    if (!options) return;
    const result = await this.thumbnails.execute(this.tenants.forHttp(req), target, options);
    switch (result.kind) {
      case 'not-found':
        return sendError(reply, 404, result.message);
      case 'failed':
        return sendError(reply, renderErrorStatus(result.error.code), result.error.message);
      case 'thumbnail':
        return void (await reply.code(200).header('Content-Type', result.image.mediaType).send(result.image.body));
    }
  }

  private async options(req: FastifyRequest, reply: FastifyReply, query: QueryParameters, target: RenderedTarget): Promise<RenderOptions | undefined> {
    if (!(await validPathUids(reply, { 'Study Instance UID': target.study, 'Series Instance UID': target.series, 'SOP Instance UID': target.instance }))) return undefined;
    try {
      return parseRenderedQuery(query, req.headers.accept);
    } catch (err) {
      if (!(err instanceof RenderError)) throw err;
      await sendError(reply, renderErrorStatus(err.code), err.message);
      return undefined;
    }
  }

  // Several images go as the parts of one multipart/related response, each rendered when its turn comes.
  private async multipart(reply: FastifyReply, options: RenderOptions, parts: readonly { render(): Promise<{ mediaType: string; body: Buffer }> }[]): Promise<void> {
    const writer = new MultipartWriter();
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    void reply.code(200).header('Content-Type', writer.contentType(options.mediaType)).send(body);
    try {
      for (const part of parts) {
        const image = await part.render();
        await writeChunk(body, writer.partHeader({ 'Content-Type': image.mediaType, 'Content-Length': String(image.body.length) }));
        await writeChunk(body, image.body);
        await writeChunk(body, writer.partEnd());
      }
      body.end(writer.close());
    } catch (err) {
      // The status line has gone out; cutting the body short is the only way left to say it failed.
      this.logger.error('rendering failed mid-response', { error: (err as Error).message });
      body.destroy(err as Error);
    }
  }
}

/** A frame list (PS3.18 10.4): comma-separated frame numbers from 1. */
function frameList(text: string): number[] | undefined {
  const parts = text.split(',');
  if (parts.length > 1000 || !parts.every((p) => /^\d{1,9}$/.test(p) && Number(p) >= 1)) return undefined;
  return parts.map(Number);
}
