import { Inject, Injectable, Optional, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { SecurityAlertType, type AuditEvent, type AuditOutcome, type AuditPatient, type AuditTrail } from '@tessera/audit';
import { parseQidoQuery } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import type { Logger } from '@tessera/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { callerOf } from '../access/access.guard';
import type { TenantResolver } from '../tenant-resolver';
import { AUDIT_TRAIL, INSTANCE_INDEX, LOGGER, TENANT_RESOLVER } from '../tokens';
import { callerParticipant, patientOf, tesseraParticipant } from './audit-participants';
import { AUDITED, byPatient, notedStudies, type AuditedAccess } from './audited';

const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';
const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';

/** The outcome of an HTTP exchange, as PS3.15 A.5.1 EventOutcomeIndicator. */
export function outcomeOfStatus(status: number, finished: boolean): AuditOutcome {
  if (!finished) return { indicator: 8, description: 'the connection closed before the response was complete' };
  if (status < 400) return { indicator: 0 };
  return { indicator: status < 500 ? 4 : 8, description: `HTTP ${status}` };
}

/** The study a retrieval names: in its path, or in its query for WADO-URI (PS3.18 Chapter 9). */
function studyOf(request: FastifyRequest): string | undefined {
  const fromPath = ((request.params ?? {}) as Record<string, string | undefined>).study;
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.studyUID;
  return fromPath ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
}

/**
 * Retrievals of parts of a study's instances (frames, bulk data, renderings, WADO-URI's one object or
 * image per request) by one caller with one
 * outcome are one access for this long: the first request's message stands for those that follow.
 * A whole-slide viewer reads thousands of tiles a minute; a message each would make the trail mostly
 * tiles and put a database write (serialised per tenant by the hash chain) behind every tile.
 */
export const PART_ACCESS_WINDOW_MS = 60_000;

/**
 * One audit message per audited HTTP request (issue 6, PS3.15 A.5.3), written once the response
 * is over, with the caller the access guard admitted — except retrievals of parts of instances, one
 * message per caller, study and outcome per PART_ACCESS_WINDOW_MS. A request whose audit record
 * cannot be written is logged as an error; the response has gone by then.
 */
@Injectable()
export class HttpAuditInterceptor implements NestInterceptor {
  private readonly logger: Logger;
  // Caller, study and outcome of a part retrieval recorded → until when it stands for the next ones.
  private readonly partsRecorded = new Map<string, number>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(TENANT_RESOLVER) private readonly tenants: TenantResolver,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(AUDIT_TRAIL) private readonly trail?: AuditTrail,
    @Optional() @Inject(INSTANCE_INDEX) private readonly index?: InstanceIndex,
  ) {
    this.logger = logger.child({ component: 'audit' });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const access = this.reflector.getAllAndOverride<AuditedAccess | undefined>(AUDITED, [context.getHandler(), context.getClass()]);
    const trail = this.trail;
    if (access === undefined || trail === undefined) return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    reply.raw.once('close', () => {
      const outcome = outcomeOfStatus(reply.raw.statusCode, reply.raw.writableFinished);
      const covering = access === 'retrieve-part' ? this.coverPart(request, outcome) : undefined;
      if (covering === 'covered') return;
      this.events(access, request, outcome)
        .then((events) => Promise.all(events.map((event) => trail.record(event))))
        .catch((err: Error) => {
          if (covering) this.partsRecorded.delete(covering);
          this.logger.error('audit record not written', { reason: err.message, method: request.method, url: request.url });
        });
    });
    return next.handle();
  }

  private async events(access: AuditedAccess, request: FastifyRequest, outcome: AuditOutcome): Promise<AuditEvent[]> {
    const caller = callerOf(request);
    if (!caller) return [];
    const tenant = this.tenants.forHttp(request);
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const who = callerParticipant(caller, request.ip);
    const tessera = tesseraParticipant(`${request.protocol}://${request.host}${this.tenants.pathPrefix(request)}${request.routeOptions.url ?? ''}`);
    switch (access) {
      case 'query':
      case 'worklist-query':
        return [{ type: 'query', tenant, outcome, source: who, destination: tessera, sopClassUID: access === 'query' ? STUDY_ROOT_FIND : MODALITY_WORKLIST_FIND, query: request.url }];
      case 'retrieve':
      case 'retrieve-part': {
        const study = studyOf(request);
        const patient = study ? await this.patientOfStudy(tenant, study) : undefined;
        // A study that is not there was not accessed: nothing about a patient to record.
        if (!study || !patient) return [];
        return [{ type: 'instances-transferred', action: 'R', tenant, outcome, source: { ...tessera, isRequestor: false }, destination: who, studies: [{ studyInstanceUID: study }], patient }];
      }
      case 'store':
        return byPatient(notedStudies(request)).map(({ patient, studies }) => ({ type: 'instances-transferred', action: 'C', tenant, outcome, source: who, destination: tessera, studies, patient }));
      case 'procedure-record': {
        const action = request.method === 'POST' ? 'C' : request.method === 'DELETE' ? 'D' : request.method === 'GET' ? 'R' : 'U';
        return byPatient(notedStudies(request)).map(({ patient, studies }) => ({ type: 'procedure-record', action, tenant, outcome, actors: [who], patient, studies }));
      }
      case 'network-configuration':
        return [
          {
            type: 'security-alert',
            tenant,
            outcome,
            alert: SecurityAlertType.NetworkConfiguration,
            reporter: who,
            subjects: [{ kind: 'node', id: params.aeTitle ?? request.url, description: `${request.method} ${request.url}` }],
          },
        ];
    }
  }

  /** 'covered' when a message recorded within the window stands for this request; else the key now recorded. */
  private coverPart(request: FastifyRequest, outcome: AuditOutcome): string | 'covered' {
    const caller = callerOf(request);
    const key = JSON.stringify([this.tenants.forHttp(request), caller?.issuer, caller?.subject, studyOf(request), outcome.indicator]);
    const now = Date.now();
    if ((this.partsRecorded.get(key) ?? 0) > now) return 'covered';
    if (this.partsRecorded.size >= 10_000) for (const [k, until] of this.partsRecorded) if (until <= now) this.partsRecorded.delete(k);
    this.partsRecorded.set(key, now + PART_ACCESS_WINDOW_MS);
    return key;
  }

  private async patientOfStudy(tenant: string, study: string): Promise<AuditPatient | undefined> {
    if (!this.index) return undefined;
    const page = await this.index.searchStudies(tenant, parseQidoQuery('STUDY', [['StudyInstanceUID', study]]), 1);
    const found = page.items[0];
    return found ? patientOf(found.attributes) : undefined;
  }
}
