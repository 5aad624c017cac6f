import { Controller, Delete, Inject, Param, Req, Res } from '@nestjs/common';
import type { DeletionScope } from '@tessera/erasure';
import { callerOf, callerParticipant, Requires, sendError, TENANT_RESOLVER, type TenantResolver, validPathUids } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DeleteInstancesUseCase } from './delete-instances.use-case';

/**
 * Deletion of a study, a series or an instance, for administrators: DELETE on the WADO-RS resource's
 * path. Not a PS3.18 transaction (the standard defines none for deleting); Tessera's own, as
 * dcm4chee-arc's and Orthanc's are.
 */
@Requires('studies:delete')
@Controller('dicomweb/studies/:study')
export class InstanceDeletionController {
  constructor(
    private readonly deleteInstances: DeleteInstancesUseCase,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
  ) {}

  @Delete()
  study(@Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.delete(req, reply, { study });
  }

  @Delete('series/:series')
  series(@Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.delete(req, reply, { study, series });
  }

  @Delete('series/:series/instances/:instance')
  instance(@Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.delete(req, reply, { study, series, instance });
  }

  private async delete(req: FastifyRequest, reply: FastifyReply, scope: DeletionScope): Promise<void> {
    if (!(await validPathUids(reply, { 'Study Instance UID': scope.study, 'Series Instance UID': scope.series, 'SOP Instance UID': scope.instance }))) return;
    const caller = callerOf(req);
    if (!caller) return sendError(reply, 401, 'No caller');
    const tenant = this.tenants.forHttp(req);
    const result = await this.deleteInstances.execute({ tenant, scope, requestedBy: callerParticipant(caller, req.ip), correlationId: req.id ?? randomUUID() });
    switch (result.kind) {
      case 'not-found':
        return sendError(reply, 404, 'No such study, series or instance');
      case 'held':
        return sendError(reply, 409, `The study's patient is on legal hold (${result.hold.reason}); clear the hold to delete it`);
      case 'patient-unknown':
        return sendError(reply, 409, 'The instances are stored but the study is not indexed yet, so its patient and any legal hold on them are not known; retry once it is searchable (QIDO-RS)');
      case 'deleted': {
        const { deletion } = result;
        await reply.code(200).send({
          deletionId: deletion.id,
          studyInstanceUID: deletion.scope.study,
          series: deletion.series,
          studyDeleted: deletion.studyDeleted,
          objects: deletion.objectKeys.length,
          purgeAfter: deletion.purgeAfter.toISOString(),
        });
      }
    }
  }
}
