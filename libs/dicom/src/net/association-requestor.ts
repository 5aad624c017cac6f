import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';
import { DimseConnection, type AcceptedContext, type DimseRequest, type DimseResponse } from './dimse-connection';
import { AbortReason, PduType, PresentationContextResult, encodeAbort, encodeAssociateRequest, type ProposedPresentationContext, type RoleSelection } from './pdu';
import { PduReader } from './pdu-reader';

/** The peer refused the association (PS3.8 9.3.4). */
export class AssociationRejectedError extends Error {
  constructor(
    readonly result: number,
    readonly source: number,
    readonly reason: number,
  ) {
    super(`association rejected (result ${result}, source ${source}, reason ${reason})`);
    this.name = 'AssociationRejectedError';
  }
}

/** Where and how to open an association. */
export interface RequestorOptions {
  readonly host: string;
  readonly port: number;
  readonly callingAETitle: string;
  readonly calledAETitle: string;
  readonly contexts: readonly ProposedPresentationContext[];
  readonly roleSelections?: readonly RoleSelection[];
  readonly maxPduLength: number;
  /** Covers the TCP connect and the wait for A-ASSOCIATE-AC (ARTIM, PS3.8 9.1.5). */
  readonly artimTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly responseTimeoutMs: number;
  /** Serves requests the peer sends on this association, if it may send any. */
  readonly handle?: (request: DimseRequest) => Promise<DimseResponse>;
}

/** Opens an association as requester (PS3.8 9.2, requester transitions) and returns it ready for DIMSE. */
export async function requestAssociation(options: RequestorOptions): Promise<DimseConnection> {
  const socket = connect({ host: options.host, port: options.port, noDelay: true });
  const reader = new PduReader(0);
  return new Promise<DimseConnection>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no A-ASSOCIATE-AC from ${options.calledAETitle} at ${options.host}:${options.port} within ${options.artimTimeoutMs} ms`)), options.artimTimeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      let pdus;
      try {
        pdus = reader.feed(chunk);
      } catch (err) {
        socket.end(encodeAbort(2, AbortReason.InvalidPduParameterValue));
        fail(err as Error);
        return;
      }
      const [pdu] = pdus;
      if (!pdu) return;
      clearTimeout(timer);
      socket.off('data', onData).off('error', fail).off('close', onClose);
      if (pdu.type === PduType.AssociateRJ) {
        socket.destroy();
        reject(new AssociationRejectedError(pdu.result, pdu.source, pdu.reason));
        return;
      }
      if (pdu.type !== PduType.AssociateAC) {
        socket.destroy();
        reject(new Error(`unexpected PDU type ${pdu.type} instead of A-ASSOCIATE-AC`));
        return;
      }
      const contexts = new Map<number, AcceptedContext>();
      for (const answer of pdu.accept.presentationContexts) {
        const proposed = options.contexts.find((pc) => pc.id === answer.id);
        if (proposed && answer.result === PresentationContextResult.Acceptance) contexts.set(answer.id, { id: answer.id, abstractSyntax: proposed.abstractSyntax, transferSyntax: answer.transferSyntax });
      }
      resolve(
        new DimseConnection(socket, {
          info: {
            id: randomUUID(),
            callingAETitle: options.callingAETitle,
            calledAETitle: options.calledAETitle,
            remoteAddress: options.host,
            remotePort: options.port,
            implementationClassUid: pdu.accept.implementationClassUid,
            implementationVersionName: pdu.accept.implementationVersionName,
            peerMaxPduLength: pdu.accept.maxPduLength,
            roleSelections: pdu.accept.roleSelections ?? [],
          },
          contexts,
          maxPduLength: options.maxPduLength,
          idleTimeoutMs: options.idleTimeoutMs,
          responseTimeoutMs: options.responseTimeoutMs,
          ...(options.handle ? { handle: options.handle } : {}),
          leftover: reader.drain(),
        }),
      );
    };
    const onClose = (): void => fail(new Error(`${options.host}:${options.port} closed the connection during association negotiation`));
    socket.on('data', onData).on('error', fail).on('close', onClose);
    socket.once('connect', () =>
      socket.write(
        encodeAssociateRequest({
          calledAETitle: options.calledAETitle,
          callingAETitle: options.callingAETitle,
          presentationContexts: options.contexts,
          maxPduLength: options.maxPduLength,
          implementationClassUid: IMPLEMENTATION_CLASS_UID,
          implementationVersionName: IMPLEMENTATION_VERSION_NAME,
          roleSelections: options.roleSelections ?? [],
        }),
      ),
    );
  });
}
