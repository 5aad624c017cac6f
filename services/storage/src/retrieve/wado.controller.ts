import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { Audited, INSTANCE_INDEX, LOGGER, Requires, ResearchViewable, researchViewOf, sendError, Shareable, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import { MultipartWriter, parseAccept, rangeCovers, writeParts } from '@tessera/multipart';
import type { Logger } from '@tessera/telemetry';
import { parseQidoQuery, stringValue } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { parseByteRange } from './byte-range';
import { RetrieveBulkDataUseCase } from './retrieve-bulkdata.use-case';
import { RetrieveFramesUseCase } from './retrieve-frames.use-case';
import { NotDeliverableError, RetrieveInstancesUseCase, type RetrievedInstance } from './retrieve-instances.use-case';

/** WADO-RS retrieval (PS3.18 10.4) of studies, series, instances, frames and bulk data. */
@Requires('studies:read')
@Audited('retrieve')
@Shareable()
@Controller('dicomweb/studies/:study')
export class WadoController {
  private readonly logger: Logger;

  constructor(
    private readonly retrieve: RetrieveInstancesUseCase,
    private readonly bulk: RetrieveBulkDataUseCase,
    private readonly frames: RetrieveFramesUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    @Inject(INSTANCE_INDEX) private readonly index: InstanceIndex,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'wado-rs' });
  }

  @ResearchViewable()
  @Get()
  study(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.instances(req, reply, { study });
  }

  @ResearchViewable()
  @Get('series/:series')
  series(@Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.instances(req, reply, { study, series });
  }

  @ResearchViewable()
  @Get('series/:series/instances/:instance')
  instance(@Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.instances(req, reply, { study, series, instance });
  }

  @Audited('retrieve-part')
  @Get('series/:series/instances/:instance/bulkdata/:range')
  async bulkData(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('range') range: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': study, 'Series Instance UID': series, 'SOP Instance UID': instance }))) return;
    const match = /^(\d{1,15})-(\d{1,15})$/.exec(range);
    if (!match) return sendError(reply, 404, `"${range}" is not a bulk data reference of this server`);
    // PS3.18 8.7.3.3: bulk data goes as multipart/related parts of application/octet-stream; a part
    // type of */* or application/* accepts that too.
    const partTypeCovers = (type: string | undefined): boolean => rangeCovers({ type: (type ?? 'application/octet-stream').toLowerCase(), params: {}, q: 1 }, 'application/octet-stream');
    if (!parseAccept(req.headers.accept).some((r) => rangeCovers(r, 'multipart/related') && partTypeCovers(r.params.type))) {
      return sendError(reply, 406, 'Bulk data is available as multipart/related; type="application/octet-stream"');
    }
    const result = await this.bulk.execute(this.tenants.forHttp(req), { study, series, instance }, Number(match[1]), Number(match[2]));
    if (result.kind === 'not-found') return sendError(reply, 404, result.message);
    const writer = new MultipartWriter();
    // HTTP Range (RFC 9110 14.2; PS3.18 8.4.3): one range of the value goes out as 206 in the one part
    // the multipart/related response has, Content-Range on both; several ranges, or an If-Range that
    // cannot be checked (no validators are sent), get the whole value.
    const bytes = req.headers['if-range'] === undefined ? parseByteRange(req.headers.range, result.length) : { kind: 'none' as const };
    if (bytes.kind === 'unsatisfiable') {
      void reply.header('Content-Range', `bytes */${result.length}`);
      return sendError(reply, 416, `The bulk data is ${result.length} bytes; the requested range lies outside it`);
    }
    if (bytes.kind === 'range') {
      const contentRange = `bytes ${bytes.start}-${bytes.end}/${result.length}`;
      void reply.header('Content-Range', contentRange);
      const length = bytes.end - bytes.start + 1;
      const part = { headers: { 'Content-Type': 'application/octet-stream', 'Content-Range': contentRange, 'Content-Length': String(length) }, open: () => result.open(bytes.start, length) };
      return this.stream(reply, writer, 'application/octet-stream', [part], 206);
    }
    void reply.header('Accept-Ranges', 'bytes');
    await this.stream(reply, writer, 'application/octet-stream', [{ headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(result.length) }, open: () => result.open() }]);
  }

  @Audited('retrieve-part')
  @Get('series/:series/instances/:instance/frames/:frames')
  async frameList(
    @Param('study') study: string,
    @Param('series') series: string,
    @Param('instance') instance: string,
    @Param('frames') frames: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': study, 'Series Instance UID': series, 'SOP Instance UID': instance }))) return;
    const result = await this.frames.execute(this.tenants.forHttp(req), { study, series, instance }, frames, parseAccept(req.headers.accept));
    switch (result.kind) {
      case 'bad-request':
        return sendError(reply, 400, result.message);
      case 'not-found':
        return sendError(reply, 404, result.message);
      case 'not-acceptable':
        return sendError(reply, 406, result.message);
      case 'frames': {
        const base = `${req.protocol}://${req.host}${req.url.split('?')[0]?.replace(/\/frames\/[^/]*$/, '') ?? ''}`;
        const parts = result.parts.map((p, k) => ({
          headers: { 'Content-Type': p.contentType, 'Content-Location': `${base}/frames/${frames.split(',')[k]}` },
          open: async () => Readable.from([await p.read()]),
        }));
        return this.stream(reply, new MultipartWriter(), result.partType, parts);
      }
    }
  }

  private async instances(req: FastifyRequest, reply: FastifyReply, scope: { study: string; series?: string; instance?: string }): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': scope.study, 'Series Instance UID': scope.series, 'SOP Instance UID': scope.instance }))) return;
    const result = await this.retrieve.execute(this.tenants.forHttp(req), scope, parseAccept(req.headers.accept));
    if (result.kind === 'not-found') return sendError(reply, 404, 'No such study, series or instance');
    if (result.kind === 'not-acceptable') return sendError(reply, 406, result.message);
    const writer = new MultipartWriter();
    // A researcher reading an identified tenant gets each instance de-identified, whole in memory while it is.
    const view = researchViewOf(req);
    const patient = view ? (await this.index.searchStudies(this.tenants.forHttp(req), parseQidoQuery('STUDY', [['StudyInstanceUID', scope.study]]), 1)).items[0]?.attributes : undefined;
    const seen = patient ? { id: stringValue(patient, '00100020'), issuer: stringValue(patient, '00100021') } : {};
    const open = (i: RetrievedInstance) => (view ? async () => Readable.from([await view.instance(await buffer(await i.open()), seen)]) : () => i.open());
    const parts = result.instances.map((i: RetrievedInstance) => ({ headers: { 'Content-Type': `application/dicom; transfer-syntax=${i.transferSyntaxUID}` }, open: open(i) }));
    await this.stream(reply, writer, 'application/dicom', parts);
  }

  // Streams parts one after another, each opened only when its turn comes, with backpressure from the
  // client. The first is opened before the status line goes out, so that an instance that cannot be
  // delivered as asked (pixel data Tessera cannot decode) or read gets an error status, not a cut body.
  private async stream(reply: FastifyReply, writer: MultipartWriter, partType: string, parts: { headers: Record<string, string>; open: () => Promise<Readable> }[], status = 200): Promise<void> {
    const [head, ...tail] = parts;
    let opened: typeof parts = parts;
    if (head) {
      let first: Readable;
      try {
        first = await head.open();
      } catch (err) {
        if (err instanceof NotDeliverableError) return sendError(reply, 406, err.message);
        throw err;
      }
      opened = [{ headers: head.headers, open: () => Promise.resolve(first) }, ...tail];
    }
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    void reply.code(status).header('Content-Type', writer.contentType(partType)).send(body);
    try {
      await writeParts(body, writer, opened);
      body.end();
    } catch (err) {
      // The status line has gone out; cutting the body short is the only way left to say it failed.
      this.logger.error('retrieve failed mid-response', { error: (err as Error).message });
      body.destroy(err as Error);
    }
  }
}
