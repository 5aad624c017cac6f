import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { QueryLevel } from '@tessera/dicom';
import { Audited, negotiateDicomAttributes, sendDicomXml, dicomwebBase, grantedStudiesOf, identifyingSearchKey, queryPairs, Requires, ResearchViewable, researchViewOf, restrictToStudies, sendDicomJson, sendError, Shareable, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MAX_RESULTS, SearchUseCase } from './search.use-case';

/** QIDO-RS (PS3.18 10.6): search for studies, series and instances. */
@Requires('studies:read')
@Audited('query')
@Shareable()
@ResearchViewable()
@Controller('dicomweb')
export class QidoController {
  constructor(
    private readonly search: SearchUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  @Get('studies')
  studies(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'STUDY');
  }

  @Get('series')
  allSeries(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'SERIES');
  }

  @Get('studies/:study/series')
  seriesOfStudy(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'SERIES', study);
  }

  @Get('instances')
  allInstances(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'IMAGE');
  }

  @Get('studies/:study/instances')
  instancesOfStudy(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'IMAGE', study);
  }

  @Get('studies/:study/series/:series/instances')
  instancesOfSeries(@Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.run(req, reply, 'IMAGE', study, series);
  }

  private async run(req: FastifyRequest, reply: FastifyReply, level: QueryLevel, study?: string, series?: string): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': study, 'Series Instance UID': series }))) return;
    const format = await negotiateDicomAttributes(req, reply);
    if (!format) return;
    // Someone reading through study grants searches the studies shared with them only.
    const granted = grantedStudiesOf(req);
    const params = granted ? restrictToStudies(queryPairs(req), granted) : queryPairs(req);
    if (!params) {
      await (format === 'xml' ? sendDicomXml(reply, 200, []) : sendDicomJson(reply, 200, []));
      return;
    }
    // A researcher's search of an identified tenant answers de-identified, and may not look anyone up.
    const view = researchViewOf(req);
    const identifying = view ? identifyingSearchKey(params) : undefined;
    if (identifying !== undefined) {
      await sendError(reply, 400, `${identifying} cannot be searched in the de-identified view; search by UIDs, Modality or SOP Class`);
      return;
    }
    const result = await this.search.execute({
      tenant: this.tenants.forHttp(req),
      level,
      ...(study ? { study } : {}),
      ...(series ? { series } : {}),
      params,
      baseUrl: dicomwebBase(req, this.tenants),
    });
    if (result.kind === 'invalid') {
      await sendError(reply, 400, result.message);
      return;
    }
    const warnings = [...result.warnings];
    // PS3.18 8.3.4.4: say that the server's limit cut the results short.
    if (result.truncated) warnings.push(`The number of results exceeded the maximum supported by the server (${MAX_RESULTS}). Additional results can be requested.`);
    if (warnings.length > 0) void reply.header('Warning', warnings.map((w) => `299 tessera "${w}"`).join(', '));
    const matches = view ? await Promise.all(result.matches.map((m) => view.attributes(m))) : result.matches;
    // PS3.18 10.6.3.2: DICOM JSON by default, or one Native DICOM Model part per match.
    await (format === 'xml' ? sendDicomXml(reply, 200, matches) : sendDicomJson(reply, 200, matches));
  }
}
