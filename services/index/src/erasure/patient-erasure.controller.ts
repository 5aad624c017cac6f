import { Body, Controller, Delete, Get, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import type { LegalHold, PatientIdentity } from '@tessera/erasure';
import { AUDIT_TRAIL, callerOf, callerParticipant, CONFIG, Requires, sendError } from '@tessera/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ClearLegalHoldUseCase } from './clear-legal-hold.use-case';
import { ErasePatientUseCase } from './erase-patient.use-case';
import { ReadLegalHoldUseCase } from './read-legal-hold.use-case';
import { SetLegalHoldUseCase } from './set-legal-hold.use-case';

const ReasonBody = z.object({ reason: z.string() });

/**
 * Erasure of a patient and its legal hold (issue 6), for administrators. The patient is its Patient
 * ID in the path and its Issuer of Patient ID in the `issuer` query parameter (none: no issuer), as
 * the index keys patients (PS3.3 C.7.1.1): `/admin/tenants/{tenant}/patients/{PatientID}/erasure?issuer=…`.
 */
@Requires('patients:erase')
@Controller('admin/tenants/:tenant/patients/:patient')
export class PatientErasureController {
  constructor(
    private readonly erase: ErasePatientUseCase,
    private readonly setHold: SetLegalHoldUseCase,
    private readonly clearHold: ClearLegalHoldUseCase,
    private readonly readHold: ReadLegalHoldUseCase,
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(AUDIT_TRAIL) private readonly trail: AuditTrail,
  ) {}

  @Post('erasure')
  async eraseOne(
    @Param('tenant') tenant: string,
    @Param('patient') patientID: string,
    @Query('issuer') issuer: unknown,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const patient = await this.addressed(tenant, patientID, issuer, reply);
    if (!patient) return;
    const reason = await reasonOf(body, reply);
    if (reason === undefined) return;
    const caller = callerOf(request);
    if (!caller) return sendError(reply, 401, 'No caller');
    const result = await this.erase.execute({ tenant, patient, reason, requestedBy: callerParticipant(caller, request.ip), correlationId: request.id ?? randomUUID() });
    switch (result.kind) {
      case 'invalid':
        return sendError(reply, 400, result.message);
      case 'not-found':
        return sendError(reply, 404, `No patient ${describe(patient)} in tenant ${tenant}`);
      case 'held':
        return sendError(reply, 409, `Patient ${describe(patient)} is on legal hold (${result.hold.reason}); clear the hold to erase it`);
      case 'erased':
        // 202 while objects remain to be deleted: the erasure sweep finishes them.
        await reply.code(result.finished ? 200 : 202).send({
          erasureId: result.erasureId,
          patient,
          studyInstanceUIDs: result.studyInstanceUIDs,
          objects: result.objects,
          finished: result.finished,
        });
    }
  }

  @Get('legal-hold')
  async getHold(@Param('tenant') tenant: string, @Param('patient') patientID: string, @Query('issuer') issuer: unknown, @Res() reply: FastifyReply): Promise<void> {
    const patient = await this.addressed(tenant, patientID, issuer, reply);
    if (!patient) return;
    const hold = await this.readHold.execute(tenant, patient);
    if (!hold) return sendError(reply, 404, `Patient ${describe(patient)} is not on legal hold`);
    await reply.code(200).send(holdJson(hold));
  }

  @Put('legal-hold')
  async putHold(
    @Param('tenant') tenant: string,
    @Param('patient') patientID: string,
    @Query('issuer') issuer: unknown,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const patient = await this.addressed(tenant, patientID, issuer, reply);
    if (!patient) return;
    const reason = await reasonOf(body, reply);
    if (reason === undefined) return;
    const caller = callerOf(request);
    if (!caller) return sendError(reply, 401, 'No caller');
    const result = await this.setHold.execute(tenant, patient, reason, caller.subject);
    if (result.kind === 'invalid') return sendError(reply, 400, result.message);
    await this.trail.record({ type: 'patient-record', action: 'U', tenant, actors: [callerParticipant(caller, request.ip)], patient: auditPatient(patient), reason: `legal hold set: ${reason}` });
    await reply.code(200).send(holdJson(result.hold));
  }

  @Delete('legal-hold')
  async deleteHold(@Param('tenant') tenant: string, @Param('patient') patientID: string, @Query('issuer') issuer: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const patient = await this.addressed(tenant, patientID, issuer, reply);
    if (!patient) return;
    const caller = callerOf(request);
    if (!caller) return sendError(reply, 401, 'No caller');
    const result = await this.clearHold.execute(tenant, patient);
    switch (result.kind) {
      case 'not-held':
        return sendError(reply, 404, `Patient ${describe(patient)} is not on legal hold`);
      case 'cleared':
        await this.trail.record({ type: 'patient-record', action: 'U', tenant, actors: [callerParticipant(caller, request.ip)], patient: auditPatient(patient), reason: `legal hold cleared: ${result.hold.reason}` });
        await reply.code(204).send();
    }
  }

  // The patient the path and query name, or undefined once an error has been answered.
  private async addressed(tenant: string, patientID: string, issuer: unknown, reply: FastifyReply): Promise<PatientIdentity | undefined> {
    if (!this.config.tenants.includes(tenant)) {
      await sendError(reply, 404, `No tenant ${JSON.stringify(tenant)}`);
      return undefined;
    }
    if (issuer !== undefined && typeof issuer !== 'string') {
      await sendError(reply, 400, 'issuer: one Issuer of Patient ID');
      return undefined;
    }
    return { patientID, issuerOfPatientID: issuer ?? '' };
  }
}

// The reason from a JSON body, or undefined once an error has been answered.
async function reasonOf(body: unknown, reply: FastifyReply): Promise<string | undefined> {
  const parsed = ReasonBody.safeParse(body);
  if (parsed.success) return parsed.data.reason;
  await sendError(reply, 400, 'The body is {"reason": "…"}: why (recorded in the audit trail)');
  return undefined;
}

function describe(patient: PatientIdentity): string {
  return patient.issuerOfPatientID === '' ? JSON.stringify(patient.patientID) : `${JSON.stringify(patient.patientID)} (issuer ${JSON.stringify(patient.issuerOfPatientID)})`;
}

function auditPatient(patient: PatientIdentity): { id: string; issuer?: string } {
  return { id: patient.patientID, ...(patient.issuerOfPatientID !== '' ? { issuer: patient.issuerOfPatientID } : {}) };
}

function holdJson(hold: LegalHold): Record<string, unknown> {
  return { patient: hold.patient, reason: hold.reason, setBy: hold.setBy, setAt: hold.setAt.toISOString() };
}
