import { randomUUID } from 'node:crypto';
import { connect, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';
import { DimseConnection, type AcceptedContext, type DimseRequest, type DimseResponse } from './dimse-connection';
import { AbortReason, PduType, PresentationContextResult, encodeAbort, encodeAssociateRequest, type ProposedPresentationContext, type RoleSelection, type SopClassExtendedNegotiation, type UserIdentity } from './pdu';
import { PduReader } from './pdu-reader';
import { BCP195_NON_DOWNGRADING, type TlsCredentials } from './tls-profile';

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
  /** SOP Class Extended Negotiation proposed (PS3.7 D.3.3.5); the acceptor's answers end up in the association's info. */
  readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
  /** Offered to the acceptor as User Identity Negotiation (PS3.7 D.3.3.7). */
  readonly userIdentity?: UserIdentity;
  readonly maxPduLength: number;
  /**
   * With this, the association runs over TLS (PS3.15 B.9): the peer's certificate must chain to
   * `ca` and name `host`; `cert` and `key` are shown to a peer that asks for a client certificate.
   */
  readonly tls?: TlsCredentials;
  /** Covers the TCP connect, the TLS handshake and the wait for A-ASSOCIATE-AC (ARTIM, PS3.8 9.1.5). */
  readonly artimTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly responseTimeoutMs: number;
  /** Serves requests the peer sends on this association, if it may send any. */
  readonly handle?: (request: DimseRequest) => Promise<DimseResponse>;
}

/** Opens an association as requester (PS3.8 9.2, requester transitions) and returns it ready for DIMSE. */
export async function requestAssociation(options: RequestorOptions): Promise<DimseConnection> {
  const socket = open(options);
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
      socket.off('data', onData).off('error', onError).off('close', onClose);
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
            ...(pdu.accept.extendedNegotiations ? { extendedNegotiations: pdu.accept.extendedNegotiations } : {}),
            ...(pdu.accept.userIdentityServerResponse ? { userIdentityServerResponse: pdu.accept.userIdentityServerResponse } : {}),
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
    // A failed handshake (untrusted or misnamed certificate, no common TLS version) says which peer it was.
    const onError = (err: Error): void => fail(options.tls ? new Error(`TLS with ${options.calledAETitle} at ${options.host}:${options.port}: ${err.message}`, { cause: err }) : err);
    socket.on('data', onData).on('error', onError).on('close', onClose);
    // Over TLS, not one DICOM byte leaves before the handshake has verified the peer.
    socket.once(options.tls ? 'secureConnect' : 'connect', () =>
      socket.write(
        encodeAssociateRequest({
          calledAETitle: options.calledAETitle,
          callingAETitle: options.callingAETitle,
          presentationContexts: options.contexts,
          maxPduLength: options.maxPduLength,
          implementationClassUid: IMPLEMENTATION_CLASS_UID,
          implementationVersionName: IMPLEMENTATION_VERSION_NAME,
          roleSelections: options.roleSelections ?? [],
          ...(options.extendedNegotiations ? { extendedNegotiations: options.extendedNegotiations } : {}),
          ...(options.userIdentity ? { userIdentity: options.userIdentity } : {}),
        }),
      ),
    );
  });
}

// TCP_NODELAY is set on the TCP socket itself, under TLS too (ARCHITECTURE §8).
function open(options: RequestorOptions): Socket {
  const tcp = connect({ host: options.host, port: options.port, noDelay: true });
  if (!options.tls) return tcp;
  const { cert, key, ca } = options.tls;
  return connectTls({
    ...BCP195_NON_DOWNGRADING,
    socket: tcp,
    // The peer's certificate must name the host we dialled (RFC 6125 via BCP 195); SNI only for names, not addresses (RFC 6066 3).
    host: options.host,
    ...(isIP(options.host) === 0 ? { servername: options.host } : {}),
    rejectUnauthorized: true,
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...(ca !== undefined ? { ca } : {}),
  });
}
