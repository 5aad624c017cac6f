import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AuditEvent, AuditOutcome, AuditPatient, AuditTrail } from '@tessera/audit';
import type { TesseraConfig } from '@tessera/config';
import { characterSetEncoder, DimseStatus, encodeJsonDataset, lookupTransferSyntax, parseQidoQuery, stringValues, type AssociationInfo, type DicomJsonDataset, type DimseRequest } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import type { Logger } from '@tessera/telemetry';
import { AUDIT_TRAIL, CONFIG, INSTANCE_INDEX, LOGGER } from '../tokens';
import type { UserIdentityOutcome } from '@tessera/identity';
import { aeParticipant, anonymousParticipant, associationParticipant, associationUserParticipant, patientOf, tesseraParticipant } from './audit-participants';
import { byPatient, type NotedStudy } from './audited';

interface OpenStores {
  readonly tenant: string;
  readonly association: AssociationInfo;
  /** One note per patient, study and SOP class, with its count: an association of 100 000 instances keeps a few entries. */
  readonly stored: Map<string, NotedStudy & { count: number }>;
}

/**
 * The audit trail of DIMSE (issue 6, PS3.15 A.5.3). Instances received are recorded once per
 * association, patient and study when the association ends (as IHE ATNA allows, and as the
 * archives do: a message per C-STORE would cost a database commit per instance); queries,
 * retrievals and procedure steps once per request. Failures to write are logged, never answered to
 * the peer: the DIMSE operation was already done.
 */
@Injectable()
export class DimseAudit {
  private readonly open = new Map<string, OpenStores>();
  private readonly logger: Logger;

  constructor(
    @Inject(CONFIG) private readonly config: TesseraConfig,
    @Inject(LOGGER) logger: Logger,
    @Optional() @Inject(AUDIT_TRAIL) private readonly trail?: AuditTrail,
    @Optional() @Inject(INSTANCE_INDEX) private readonly index?: InstanceIndex,
  ) {
    this.logger = logger.child({ component: 'audit' });
  }

  /** An instance of `study` was stored on this association. */
  stored(association: AssociationInfo, tenant: string, study: NotedStudy): void {
    if (!this.trail) return;
    const open = this.open.get(association.id) ?? { tenant, association, stored: new Map() };
    this.open.set(association.id, open);
    const key = [study.patient?.issuer ?? '', study.patient?.id ?? '', study.studyInstanceUID, study.sopClassUID ?? ''].join('\u0000');
    const seen = open.stored.get(key);
    open.stored.set(key, { ...(seen ?? study), count: (seen?.count ?? 0) + 1 });
  }

  /** The association is over (released, aborted or dropped): what it stored is recorded now. */
  ended(associationId: string, how: 'released' | 'aborted'): void {
    const open = this.open.get(associationId);
    if (!open) return;
    this.open.delete(associationId);
    const outcome: AuditOutcome = how === 'released' ? { indicator: 0 } : { indicator: 4, description: 'the association was aborted; the instances listed were stored before' };
    for (const { patient, studies } of byPatient([...open.stored.values()])) {
      this.record({ type: 'instances-transferred', action: 'C', tenant: open.tenant, outcome, source: this.peer(open.association, true), destination: this.self(open.association), studies, patient });
    }
  }

  /**
   * One C-FIND (query/retrieve or worklist): give it the identifier once read, and the final status;
   * the query is recorded with the identifier re-encoded in the context's transfer syntax.
   */
  query(request: Pick<DimseRequest, 'association' | 'context'>, tenant: string): { identifier(received: DicomJsonDataset): void; done(status: number, description?: string): void } {
    let identifier: DicomJsonDataset | undefined;
    const { association, context } = request;
    return {
      identifier: (received) => (identifier = received),
      done: (status, description) => {
        const ts = lookupTransferSyntax(context.transferSyntax);
        const ok = status === DimseStatus.Success || status === DimseStatus.Cancel;
        this.record({
          type: 'query',
          tenant,
          outcome: ok ? { indicator: 0 } : { indicator: 4, ...(description ? { description } : {}) },
          source: this.peer(association, true),
          destination: this.self(association),
          sopClassUID: context.abstractSyntax,
          query: identifier && ts ? encodeJsonDataset(identifier, ts, characterSetEncoder(stringValues(identifier, '00080005'))) : new Uint8Array(),
          transferSyntaxUID: context.transferSyntax,
        });
      },
    };
  }

  /**
   * Instances were sent for a C-MOVE (to `destination`) or C-GET (back to the requester): one
   * message per patient, the patients found in the index.
   */
  sent(
    association: AssociationInfo,
    tenant: string,
    destination: { readonly aeTitle: string; readonly address?: string } | undefined,
    instances: readonly { readonly studyInstanceUID: string; readonly sopClassUID: string }[],
    progress: { readonly completed: number; readonly warning: number; readonly failed: number },
  ): void {
    if (!this.trail || instances.length === 0) return;
    const outcome: AuditOutcome =
      progress.failed === 0 ? { indicator: 0 } : { indicator: progress.completed + progress.warning > 0 ? 4 : 8, description: `${progress.failed} of ${instances.length} sub-operations failed` };
    void this.patients(tenant, [...new Set(instances.map((i) => i.studyInstanceUID))])
      .then((patients) => this.transferred(association, tenant, destination, instances.map((i) => ({ studyInstanceUID: i.studyInstanceUID, sopClassUID: i.sopClassUID, ...(patients.get(i.studyInstanceUID) ? { patient: patients.get(i.studyInstanceUID) as AuditPatient } : {}) })), outcome))
      .catch((err: Error) => this.logger.error('audit record not written', { reason: err.message, event: 'instances-transferred' }));
  }

  private async patients(tenant: string, studies: readonly string[]): Promise<Map<string, AuditPatient>> {
    const found = new Map<string, AuditPatient>();
    if (!this.index) return found;
    for (const study of studies) {
      const page = await this.index.searchStudies(tenant, parseQidoQuery('STUDY', [['StudyInstanceUID', study]]), 1);
      const patient = page.items[0] ? patientOf(page.items[0].attributes) : undefined;
      if (patient) found.set(study, patient);
    }
    return found;
  }

  private transferred(association: AssociationInfo, tenant: string, destination: { readonly aeTitle: string; readonly address?: string } | undefined, studies: readonly NotedStudy[], outcome: AuditOutcome): void {
    const requester = this.peer(association, true);
    const receiver = destination && destination.aeTitle !== association.callingAETitle ? aeParticipant(destination.aeTitle, destination.address, false) : requester;
    for (const { patient, studies: grouped } of byPatient(studies)) {
      this.record({
        type: 'instances-transferred',
        action: 'R',
        tenant,
        outcome,
        source: this.self(association),
        destination: receiver,
        ...(receiver === requester ? {} : { others: [requester] }),
        studies: grouped,
        patient,
      });
    }
  }

  /** A procedure step (MPPS) was created or updated. */
  procedureStep(association: AssociationInfo, tenant: string, action: 'C' | 'U', patient: AuditPatient | undefined, studyInstanceUIDs: readonly string[], outcome: AuditOutcome): void {
    if (!patient) return;
    this.record({ type: 'procedure-record', action, tenant, outcome, actors: [this.peer(association, true)], patient, studies: studyInstanceUIDs.map((studyInstanceUID) => ({ studyInstanceUID })) });
  }

  /**
   * A User Identity Negotiation check of an association (PS3.15 A.5.3 User Authentication), accepted
   * or refused, in the trail of the called AE title's tenant; Tessera, as the called AE, authenticated.
   */
  authenticated(request: { readonly callingAETitle: string; readonly calledAETitle: string; readonly remoteAddress: string }, tenant: string, outcome: Exclude<UserIdentityOutcome, { kind: 'unchecked' }>): void {
    const user =
      outcome.kind === 'accepted'
        ? associationUserParticipant(outcome.user, request.remoteAddress)
        : { ...anonymousParticipant(request.remoteAddress, outcome.who ?? request.callingAETitle), aeTitles: [request.callingAETitle] };
    this.record({
      type: 'user-authentication',
      tenant,
      activity: 'login',
      outcome: outcome.kind === 'accepted' ? { indicator: 0 } : { indicator: 4, description: `DICOM user identity refused: ${outcome.explanation}` },
      user,
      authenticator: this.self(request),
    });
  }

  private peer(association: AssociationInfo, isRequestor: boolean) {
    return associationParticipant(association, isRequestor);
  }

  private self(association: { readonly calledAETitle: string }) {
    return tesseraParticipant(`dicom://${this.config.dimse.host}:${this.config.dimse.port}`, association.calledAETitle);
  }

  private record(event: AuditEvent): void {
    this.trail?.record(event).catch((err: Error) => this.logger.error('audit record not written', { reason: err.message, event: event.type }));
  }
}
