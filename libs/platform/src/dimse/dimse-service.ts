import type { AeOperation } from '@tessera/ae-registry';
import { TransferSyntaxUIDs, type DimseRequest, type DimseResponse } from '@tessera/dicom';

// The uncompressed transfer syntaxes Tessera reads and writes (PS3.5 A.1, A.2, A.3).
const UNCOMPRESSED: readonly string[] = [TransferSyntaxUIDs.ImplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRBigEndian];

/**
 * The first uncompressed transfer syntax of a proposal: what the services whose messages carry
 * commands and identifiers, not images (C-ECHO, C-FIND, C-MOVE, N-ACTION, MPPS, …), accept.
 */
export function firstUncompressed(proposed: readonly string[]): string | undefined {
  return proposed.find((ts) => UNCOMPRESSED.includes(ts));
}

/** What a role serves over DIMSE: some abstract syntaxes, and how to answer their requests. */
export interface DimseService {
  /** For logs. */
  readonly name: string;
  /** Whether this service serves the abstract syntax (a SOP class or meta SOP class). */
  servesAbstractSyntax(uid: string): boolean;
  /** What an AE asks for when it uses this abstract syntax; the registry says which AE may. */
  operationOf(abstractSyntax: string): AeOperation;
  /** The first of `proposed` this service accepts for that abstract syntax, if any. */
  chooseTransferSyntax(abstractSyntax: string, proposed: readonly string[]): string | undefined;
  /**
   * Whether this service sends requests of this SOP class on the requester's own association, so
   * that the requester must take the SCP role for it (PS3.7 D.3.3.4): C-GET's C-STORE sub-operations.
   */
  sendsOnRequesterAssociation?(sopClassUid: string): boolean;
  /**
   * The answer to the requester's SOP Class Extended Negotiation for a SOP class of an accepted context
   * (PS3.7 D.3.3.5): the service-class-application-information to return, or undefined to return no
   * sub-item (nothing extended is agreed).
   */
  answerExtendedNegotiation?(sopClassUid: string, requested: Buffer): Buffer | undefined;
  /** Answers one request of a context this service accepted; `tenant` comes from the called AE title. */
  handle(request: DimseRequest, tenant: string): Promise<DimseResponse>;
}

/** The DIMSE services of this process; roles register theirs while their modules initialise. */
export class DimseServiceRegistry {
  private readonly services: DimseService[] = [];

  register(service: DimseService): void {
    this.services.push(service);
  }

  get all(): readonly DimseService[] {
    return this.services;
  }

  /** The service for an abstract syntax (the first registered wins). */
  forAbstractSyntax(uid: string): DimseService | undefined {
    return this.services.find((s) => s.servesAbstractSyntax(uid));
  }
}
