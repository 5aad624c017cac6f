import {
  isStorageSopClass,
  lookupTransferSyntax,
  PresentationContextResult,
  RejectReason,
  RejectResult,
  RejectSource,
  SopClassUIDs,
  TransferSyntaxUIDs,
  type AssociateRequest,
  type NegotiationOutcome,
  type PresentationContextAnswer,
} from '@tessera/dicom';

// Verification runs on the uncompressed transfer syntaxes only (PS3.4 A.4).
const VERIFICATION_SYNTAXES: ReadonlySet<string> = new Set([TransferSyntaxUIDs.ImplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRLittleEndian, TransferSyntaxUIDs.ExplicitVRBigEndian]);

/**
 * Answers an A-ASSOCIATE-RQ for the Storage SCP and Verification SCP (PS3.4 Annex A and B): every
 * storage SOP class is accepted, each with the first proposed transfer syntax Tessera can receive, so
 * objects are kept as the sender encoded them. An association addressed to another AE title is
 * rejected with "called AE title not recognized" (PS3.8 9.3.4).
 */
export function negotiateStorage(request: AssociateRequest, isCalledAETitleOurs: boolean): NegotiationOutcome {
  if (!isCalledAETitleOurs) {
    return {
      kind: 'reject',
      result: RejectResult.Permanent,
      source: RejectSource.ServiceUser,
      reason: RejectReason.CalledAETitleNotRecognized,
      explanation: `called AE title "${request.calledAETitle}" is not served here`,
    };
  }
  const contexts: PresentationContextAnswer[] = request.presentationContexts.map((pc) => {
    const isVerification = pc.abstractSyntax === SopClassUIDs.Verification;
    if (!isVerification && !isStorageSopClass(pc.abstractSyntax)) {
      return { id: pc.id, result: PresentationContextResult.AbstractSyntaxNotSupported, transferSyntax: '' };
    }
    const chosen = pc.transferSyntaxes.find((ts) => (isVerification ? VERIFICATION_SYNTAXES.has(ts) : lookupTransferSyntax(ts) !== undefined));
    return chosen
      ? { id: pc.id, result: PresentationContextResult.Acceptance, transferSyntax: chosen }
      : { id: pc.id, result: PresentationContextResult.TransferSyntaxesNotSupported, transferSyntax: '' };
  });
  return { kind: 'accept', contexts };
}
