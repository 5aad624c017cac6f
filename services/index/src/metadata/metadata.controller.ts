import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { Audited, negotiateDicomAttributes, sendDicomXml, dicomwebBase, Requires, ResearchViewable, researchViewOf, sendDicomJson, sendError, Shareable, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import type { DicomJsonDataset } from '@tessera/dicom';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RetrieveMetadataUseCase } from './retrieve-metadata.use-case';

/** WADO-RS metadata (PS3.18 10.4) of a study, a series or an instance. */
@Requires('studies:read')
@Audited('retrieve')
@Shareable()
@ResearchViewable()
@Controller('dicomweb/studies/:study')
export class MetadataController {
  constructor(
    private readonly retrieve: RetrieveMetadataUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  @Get('metadata')
  study(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, study);
  }

  @Get('series/:series/metadata')
  series(@Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, study, series);
  }

  @Get('series/:series/instances/:instance/metadata')
  instance(@Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, study, series, instance);
  }

  private async run(req: FastifyRequest, reply: FastifyReply, study: string, series?: string, instance?: string): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': study, 'Series Instance UID': series, 'SOP Instance UID': instance }))) return;
    const format = await negotiateDicomAttributes(req, reply);
    if (!format) return;
    const metadata = await this.retrieve.execute({
      tenant: this.tenants.forHttp(req),
      study,
      ...(series ? { series } : {}),
      ...(instance ? { instance } : {}),
      baseUrl: dicomwebBase(req, this.tenants),
    });
    if (!metadata) {
      await sendError(reply, 404, 'No such study, series or instance');
      return;
    }
    // A researcher reading an identified tenant gets every instance de-identified (its BulkDataURIs
    // lead to routes the view does not open).
    const view = researchViewOf(req);
    if (format === 'json' && !view) {
      // The instances' JSON texts as they are: no object per instance (retrieve-metadata.use-case.ts).
      await reply.code(200).header('content-type', 'application/dicom+json').send(Buffer.from(`[${metadata.join(',')}]`));
      return;
    }
    const datasets = metadata.map((m) => JSON.parse(m) as DicomJsonDataset);
    const shown = view ? await Promise.all(datasets.map((m) => view.attributes(m))) : datasets;
    await (format === 'xml' ? sendDicomXml(reply, 200, shown) : sendDicomJson(reply, 200, shown));
  }
}
