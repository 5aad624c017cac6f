import type { AeRegistry } from '@tessera/ae-registry';
import {
  CommandField,
  DicomError,
  DimseStatus,
  isStorageSopClass,
  readDataSet,
  TransferSyntaxUIDs,
  type DicomJsonDataset,
  type DimseRequest,
  type DimseResponse,
} from '@tessera/dicom';
import { type DimseAudit, type DimseOutbound, type DimseService, firstUncompressed } from '@tessera/platform';
import { proposeContexts, type StoreScu } from '@tessera/store-scu';
import type { Logger } from '@tessera/telemetry';
import { IdentifierError, type InformationModel } from './find.use-case';
import type { RetrievableObject, RetrieveUseCase } from './retrieve.use-case';
import { SubOperations } from './sub-operations';

/** Query/Retrieve MOVE SOP classes (PS3.4 C.6.1.1.2, C.6.2.1.2). */
export const MoveSopClasses: Readonly<Record<string, InformationModel>> = {
  '1.2.840.10008.5.1.4.1.2.1.2': 'PATIENT_ROOT',
  '1.2.840.10008.5.1.4.1.2.2.2': 'STUDY_ROOT',
};

/** Query/Retrieve GET SOP classes (PS3.4 C.6.1.1.3, C.6.2.1.3). */
export const GetSopClasses: Readonly<Record<string, InformationModel>> = {
  '1.2.840.10008.5.1.4.1.2.1.3': 'PATIENT_ROOT',
  '1.2.840.10008.5.1.4.1.2.2.3': 'STUDY_ROOT',
};

type Final = (status: number, errorComment?: string) => DimseResponse;

// The first byte of the service-class-application-information of PS3.4 Tables C.5-4 (C-MOVE) and C.5-6 (C-GET).
const RELATIONAL_RETRIEVAL = 0;

/**
 * SOP Class Extended Negotiation for C-MOVE and C-GET (PS3.4 C.5.2.1.1, C.5.3.1.1): as many bytes as
 * were proposed; relational-retrieval (byte 1) agreed when proposed, enhanced multi-frame image
 * conversion (byte 2) and any later byte 0.
 */
function answerRetrieveNegotiation(requested: Buffer): Buffer | undefined {
  if (requested.length === 0) return undefined;
  const answer = Buffer.alloc(requested.length);
  if (requested[RELATIONAL_RETRIEVAL] === 1) answer[RELATIONAL_RETRIEVAL] = 1;
  return answer;
}

/** Reads and resolves the identifier of a C-MOVE or C-GET; a response when it cannot be served. */
async function instancesOf(request: DimseRequest, tenant: string, models: Readonly<Record<string, InformationModel>>, retrieve: RetrieveUseCase, final: Final): Promise<RetrievableObject[] | DimseResponse> {
  if (!request.dataSet) return final(DimseStatus.DataSetDoesNotMatchSopClass, 'A retrieve needs an identifier');
  let identifier: DicomJsonDataset;
  try {
    identifier = await readDataSet(request.dataSet, request.context.transferSyntax);
    const agreed = request.association.extendedNegotiations?.find((n) => n.sopClassUid === request.context.abstractSyntax)?.serviceClassApplicationInformation;
    return await retrieve.resolve(tenant, identifier, models[request.context.abstractSyntax] as InformationModel, { relational: agreed?.[RELATIONAL_RETRIEVAL] === 1 });
  } catch (err) {
    if (err instanceof IdentifierError || err instanceof DicomError) return final(DimseStatus.DataSetDoesNotMatchSopClass, err.message);
    throw err;
  }
}

// When the requester is gone (A-ABORT), the sub-operations stop at the next instance; that is no error.
async function pendingUnlessGone(request: DimseRequest, response: DimseResponse): Promise<void> {
  try {
    await request.sendPending(response);
  } catch (err) {
    if (!request.cancelled.aborted) throw err;
  }
}

function finalFor(commandField: number, sopClass: string): Final {
  return (status, errorComment) => ({ command: { commandField, affectedSOPClassUID: sopClass, status, ...(errorComment ? { errorComment: errorComment.slice(0, 64) } : {}) } });
}

/**
 * The C-MOVE SCP (PS3.4 C.4.2): the instances the identifier names go to a move destination the
 * tenant has registered, over a new association, as C-STORE sub-operations that name the
 * originator; a pending response follows each. An unregistered destination is refused with A801, a
 * destination the calling AE may not move to with 0124.
 */
export class MoveScpService implements DimseService {
  readonly name = 'Query/Retrieve MOVE SCP';

  constructor(
    private readonly retrieve: RetrieveUseCase,
    private readonly aes: AeRegistry,
    private readonly sender: StoreScu,
    private readonly outbound: Pick<DimseOutbound, 'associate'>,
    private readonly audit: Pick<DimseAudit, 'sent'>,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid in MoveSopClasses;
  }

  operationOf(): 'MOVE' {
    return 'MOVE';
  }

  answerExtendedNegotiation(_sopClassUid: string, requested: Buffer): Buffer | undefined {
    return answerRetrieveNegotiation(requested);
  }

  chooseTransferSyntax(_abstractSyntax: string, proposed: readonly string[]): string | undefined {
    return firstUncompressed(proposed);
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, context, association } = request;
    const final = finalFor(CommandField.CMoveRSP, context.abstractSyntax);
    if (command.commandField !== CommandField.CMoveRQ) {
      request.dataSet?.resume();
      return final(DimseStatus.UnrecognizedOperation, 'Only C-MOVE is served on this context');
    }
    const title = command.moveDestination?.trim() ?? '';
    const destination = title === '' ? undefined : await this.aes.find(tenant, title);
    if (!destination) {
      request.dataSet?.resume();
      return final(DimseStatus.MoveDestinationUnknown, `Move destination "${title}" is not registered`);
    }
    const caller = await this.aes.find(tenant, association.callingAETitle);
    if (caller && caller.moveDestinations.length > 0 && !caller.moveDestinations.includes(destination.aeTitle)) {
      request.dataSet?.resume();
      return final(DimseStatus.NotAuthorized, `${association.callingAETitle} may not move to ${destination.aeTitle}`);
    }
    const instances = await instancesOf(request, tenant, MoveSopClasses, this.retrieve, final);
    if (!Array.isArray(instances)) return instances;
    const progress = new SubOperations(instances.length);
    const done = (errorComment?: string): DimseResponse => {
      this.logger.info('C-MOVE done', { association: association.id, destination: destination.aeTitle, instances: instances.length, completed: progress.completed, failed: progress.failed, warning: progress.warning, cancelled: request.cancelled.aborted });
      this.audit.sent(association, tenant, { aeTitle: destination.aeTitle, address: destination.host }, instances, progress);
      return progress.final(CommandField.CMoveRSP, context.abstractSyntax, context.transferSyntax, request.cancelled.aborted, errorComment);
    };
    if (instances.length === 0) return done();
    let peer;
    try {
      peer = await this.outbound.associate(destination, association.calledAETitle, proposeContexts(instances));
    } catch (err) {
      this.logger.warn('C-MOVE destination unreachable', { association: association.id, destination: destination.aeTitle, error: (err as Error).message });
      progress.failRemaining(instances.map((i) => i.sopInstanceUID));
      return done(`Cannot associate with ${destination.aeTitle}: ${(err as Error).message}`);
    }
    try {
      const sent = await this.sender.send(peer, instances, {
        moveOriginator: { aeTitle: association.callingAETitle, messageId: command.messageId ?? 0 },
        signal: request.cancelled,
        onResult: async (result) => {
          progress.add(result);
          if (result.error) this.logger.warn('C-MOVE sub-operation failed', { association: association.id, instance: result.instance.sopInstanceUID, error: result.error });
          await pendingUnlessGone(request, progress.pending(CommandField.CMoveRSP, context.abstractSyntax));
        },
      });
      // The destination went away part way: what was never attempted failed too (PS3.4 C.4.2.3.1).
      if (!request.cancelled.aborted && sent.length < instances.length) progress.failRemaining(instances.slice(sent.length).map((i) => i.sopInstanceUID));
    } finally {
      await peer.release();
    }
    return done();
  }
}

/**
 * The C-GET SCP (PS3.4 C.4.3): the instances go back over the requester's own association, as
 * C-STORE sub-operations on the storage contexts where the requester took the SCP role; an instance
 * of a SOP class it did not offer to receive fails. A pending response follows each.
 */
export class GetScpService implements DimseService {
  readonly name = 'Query/Retrieve GET SCP';

  constructor(
    private readonly retrieve: RetrieveUseCase,
    private readonly sender: StoreScu,
    private readonly audit: Pick<DimseAudit, 'sent'>,
    private readonly logger: Logger,
  ) {}

  servesAbstractSyntax(uid: string): boolean {
    return uid in GetSopClasses;
  }

  operationOf(): 'GET' {
    return 'GET';
  }

  answerExtendedNegotiation(_sopClassUid: string, requested: Buffer): Buffer | undefined {
    return answerRetrieveNegotiation(requested);
  }

  sendsOnRequesterAssociation(sopClassUid: string): boolean {
    return isStorageSopClass(sopClassUid);
  }

  /**
   * For the GET SOP classes, an uncompressed syntax. For a storage context the requester receives
   * on, before anything is known of what it will get: Explicit VR Little Endian, else Implicit, which
   * every native object can be re-encoded into, else the requester's first choice.
   */
  chooseTransferSyntax(abstractSyntax: string, proposed: readonly string[]): string | undefined {
    if (abstractSyntax in GetSopClasses) return firstUncompressed(proposed);
    return [TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ImplicitVRLittleEndian].find((ts) => proposed.includes(ts)) ?? proposed[0];
  }

  async handle(request: DimseRequest, tenant: string): Promise<DimseResponse> {
    const { command, context, association, connection } = request;
    const final = finalFor(CommandField.CGetRSP, context.abstractSyntax);
    if (command.commandField !== CommandField.CGetRQ) {
      request.dataSet?.resume();
      return final(DimseStatus.UnrecognizedOperation, 'Only C-GET is served on this context');
    }
    const instances = await instancesOf(request, tenant, GetSopClasses, this.retrieve, final);
    if (!Array.isArray(instances)) return instances;
    const progress = new SubOperations(instances.length);
    // PS3.4 C.4.3.1: sub-operations only on contexts whose SOP class the requester accepted to receive.
    const receiving = new Set(association.roleSelections.filter((r) => r.scpRole).map((r) => r.sopClassUid));
    const contexts = [...connection.contexts.values()].filter((c) => receiving.has(c.abstractSyntax));
    await this.sender.send(connection, instances, {
      contexts,
      signal: request.cancelled,
      onResult: async (result) => {
        progress.add(result);
        if (result.error) this.logger.warn('C-GET sub-operation failed', { association: association.id, instance: result.instance.sopInstanceUID, error: result.error });
        await pendingUnlessGone(request, progress.pending(CommandField.CGetRSP, context.abstractSyntax));
      },
    });
    this.logger.info('C-GET done', { association: association.id, instances: instances.length, completed: progress.completed, failed: progress.failed, warning: progress.warning, cancelled: request.cancelled.aborted });
    this.audit.sent(association, tenant, undefined, instances, progress);
    return progress.final(CommandField.CGetRSP, context.abstractSyntax, context.transferSyntax, request.cancelled.aborted);
  }
}
