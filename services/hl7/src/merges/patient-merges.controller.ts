import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { AuditPatient, AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import { personNameValue, tagKey, Tags, type DicomJsonDataset } from '@tessera/dicom';
import type { PatientIdentity } from '@tessera/hl7-store';
import { AUDIT_TRAIL, callerOf, callerParticipant, CONFIG, Requires, sendError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ListPatientMergesUseCase } from './list-patient-merges.use-case';
import { UndoPatientMergeUseCase } from './undo-patient-merge.use-case';

const auditPatient = (identity: PatientIdentity, attributes: DicomJsonDataset): AuditPatient => {
  const name = personNameValue(attributes, tagKey(Tags.PatientName))?.Alphabetic;
  return { id: identity.patientID, ...(identity.issuerOfPatientID ? { issuer: identity.issuerOfPatientID } : {}), ...(name ? { name } : {}) };
};

/**
 * A tenant's patient merges (HL7 ADT^A40, docs/hl7.md §5.3), and undoing one (admin REST). An undo
 * is audited as two Patient Record messages (PS3.15 A.5.3): the prior patient's record created
 * again, the survivor's updated.
 */
@Requires('tenant:manage')
@Controller('admin/tenants/:tenant/patient-merges')
export class PatientMergesController {
  constructor(
    private readonly list: ListPatientMergesUseCase,
    private readonly undo: UndoPatientMergeUseCase,
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
  ) {}

  @Get()
  async merges(@Param('tenant') tenant: string, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    await reply.send(await this.list.execute(tenant));
  }

  @Post(':id/undo')
  async undoMerge(@Param('tenant') tenant: string, @Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.config.tenants.includes(tenant)) return sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
    const caller = callerOf(request);
    const result = await this.undo.execute({ tenant, mergeId: id, caller: caller?.subject ?? '', correlationId: String(request.id ?? randomUUID()) });
    switch (result.kind) {
      case 'not-found':
        return sendError(reply, 404, `No patient merge ${JSON.stringify(id)} in tenant ${tenant}`);
      case 'already-undone':
        return sendError(reply, 409, `Patient merge ${id} was undone at ${result.undoneAt.toISOString()}`);
      case 'conflict':
        return sendError(reply, 409, `Patient merge ${id} cannot be undone: ${result.reason}`);
      case 'undone': {
        if (caller) {
          const actors = [callerParticipant(caller, request.ip)];
          await this.trail.record({ type: 'patient-record', action: 'C', tenant, actors, patient: auditPatient(result.prior, result.priorAttributes) });
          await this.trail.record({ type: 'patient-record', action: 'U', tenant, actors, patient: auditPatient(result.survivor, result.survivorAttributes) });
        }
        // 200: an action on an existing resource, nothing created (Nest answers a POST 201 by default).
        await reply.code(200).send({
          mergeId: id,
          prior: result.prior,
          survivor: result.survivor,
          restoredStudyInstanceUIDs: result.restoredStudyInstanceUIDs,
          restoredAccessionNumbers: result.restoredAccessionNumbers,
          undoneAt: result.undoneAt.toISOString(),
        });
      }
    }
  }
}
