/** PDU types of the DICOM Upper Layer (PS3.8 9.3, Table 9-11). */
export const PduType = {
  AssociateRQ: 0x01,
  AssociateAC: 0x02,
  AssociateRJ: 0x03,
  PData: 0x04,
  ReleaseRQ: 0x05,
  ReleaseRP: 0x06,
  Abort: 0x07,
} as const;

/** The only DICOM Application Context Name (PS3.7 A.2.1). */
export const APPLICATION_CONTEXT_NAME = '1.2.840.10008.3.1.1.1';

/** Presentation context results of an A-ASSOCIATE-AC (PS3.8 9.3.3.2, Table 9-18). */
export const PresentationContextResult = {
  Acceptance: 0,
  UserRejection: 1,
  NoReason: 2,
  AbstractSyntaxNotSupported: 3,
  TransferSyntaxesNotSupported: 4,
} as const;

/** A-ASSOCIATE-RJ fields (PS3.8 9.3.4, Table 9-21). */
export const RejectResult = { Permanent: 1, Transient: 2 } as const;
export const RejectSource = { ServiceUser: 1, ServiceProviderAcse: 2, ServiceProviderPresentation: 3 } as const;
export const RejectReason = {
  NoReasonGiven: 1,
  ApplicationContextNameNotSupported: 2,
  CallingAETitleNotRecognized: 3,
  CalledAETitleNotRecognized: 7,
  /** With source ServiceProviderAcse. */
  ProtocolVersionNotSupported: 2,
  /** With source ServiceProviderPresentation. */
  TemporaryCongestion: 1,
  LocalLimitExceeded: 2,
} as const;

/** A-ABORT fields (PS3.8 9.3.8, Table 9-26). */
export const AbortSource = { ServiceUser: 0, ServiceProvider: 2 } as const;
export const AbortReason = {
  NotSpecified: 0,
  UnrecognizedPdu: 1,
  UnexpectedPdu: 2,
  UnrecognizedPduParameter: 4,
  UnexpectedPduParameter: 5,
  InvalidPduParameterValue: 6,
} as const;

/** A proposed presentation context (PS3.8 9.3.2.2). */
export interface ProposedPresentationContext {
  readonly id: number;
  readonly abstractSyntax: string;
  readonly transferSyntaxes: readonly string[];
}

/** SCP/SCU Role Selection (PS3.7 D.3.3.4). */
export interface RoleSelection {
  readonly sopClassUid: string;
  readonly scuRole: boolean;
  readonly scpRole: boolean;
}

/**
 * SOP Class Extended Negotiation (PS3.7 D.3.3.5, item type 56H): the service-class-application-information
 * of one SOP class, whose bytes the service class defines (e.g. PS3.4 C.5.1.1 for query/retrieve).
 */
export interface SopClassExtendedNegotiation {
  readonly sopClassUid: string;
  readonly serviceClassApplicationInformation: Buffer;
}

/** User-Identity-Type of a User Identity sub-item (PS3.7 D.3.3.7.1, Table D.3-14). */
export const UserIdentityType = {
  Username: 1,
  UsernameAndPasscode: 2,
  Kerberos: 3,
  Saml: 4,
  Jwt: 5,
} as const;

/** User Identity Negotiation as requested (PS3.7 D.3.3.7.1, item type 58H). */
export interface UserIdentity {
  readonly type: number;
  readonly positiveResponseRequested: boolean;
  readonly primaryField: Buffer;
  readonly secondaryField: Buffer;
}

/** The fields of an A-ASSOCIATE-RQ that Tessera acts on. */
export interface AssociateRequest {
  readonly protocolVersion: number;
  readonly calledAETitle: string;
  readonly callingAETitle: string;
  readonly applicationContextName: string;
  readonly presentationContexts: readonly ProposedPresentationContext[];
  /** Maximum length of P-DATA-TF variable fields the requester receives; 0 = unlimited. */
  readonly maxPduLength: number;
  readonly implementationClassUid: string;
  readonly implementationVersionName?: string;
  readonly maxOperationsInvoked?: number;
  readonly maxOperationsPerformed?: number;
  readonly roleSelections: readonly RoleSelection[];
  readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
  readonly userIdentity?: UserIdentity;
}

/** One presentation context of an A-ASSOCIATE-AC. */
export interface PresentationContextAnswer {
  readonly id: number;
  readonly result: number;
  /** The accepted transfer syntax; ignored unless result is Acceptance (PS3.8 9.3.3.2). */
  readonly transferSyntax: string;
}

/** The fields of an A-ASSOCIATE-AC. */
export interface AssociateAccept {
  readonly calledAETitle: string;
  readonly callingAETitle: string;
  readonly presentationContexts: readonly PresentationContextAnswer[];
  readonly maxPduLength: number;
  readonly implementationClassUid: string;
  readonly implementationVersionName: string;
  readonly roleSelections?: readonly RoleSelection[];
  /** The acceptor's answers to the requester's SOP Class Extended Negotiation (PS3.7 D.3.3.5). */
  readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
  /**
   * The User Identity server response (PS3.7 D.3.3.7.2, item type 59H): present only when the
   * requester asked for a positive response and the identity was accepted; may be empty.
   */
  readonly userIdentityServerResponse?: Buffer;
}

/** A PDU's fields once decoded. */
export type Pdu =
  | { readonly type: typeof PduType.AssociateRQ; readonly request: AssociateRequest }
  | { readonly type: typeof PduType.AssociateAC; readonly accept: AssociateAccept }
  | { readonly type: typeof PduType.AssociateRJ; readonly result: number; readonly source: number; readonly reason: number }
  | { readonly type: typeof PduType.PData; readonly pdvs: readonly Pdv[] }
  | { readonly type: typeof PduType.ReleaseRQ }
  | { readonly type: typeof PduType.ReleaseRP }
  | { readonly type: typeof PduType.Abort; readonly source: number; readonly reason: number };

/** A Presentation Data Value: one fragment of a DIMSE command or data set (PS3.8 9.3.5.1, E.2). */
export interface Pdv {
  readonly presentationContextId: number;
  readonly isCommand: boolean;
  readonly isLast: boolean;
  readonly data: Buffer;
}

/** A PDU that breaks PS3.8; the association answers it with an A-ABORT of the given reason. */
export class PduError extends Error {
  constructor(
    message: string,
    readonly abortReason: number,
  ) {
    super(message);
    this.name = 'PduError';
  }
}

function aeTitle(buf: Buffer, offset: number): string {
  // AE titles are 16 bytes, space padded; leading and trailing spaces are not significant (PS3.8 9.3.2).
  return buf.toString('latin1', offset, offset + 16).trim();
}

function uidText(buf: Buffer): string {
  return buf.toString('latin1').replace(/[\0 ]+$/, '');
}

/** Decodes the variable part of a PDU of the given type. */
export function decodePdu(type: number, body: Buffer): Pdu {
  switch (type) {
    case PduType.AssociateRQ:
      return { type, request: decodeAssociateRequest(body) };
    case PduType.AssociateAC:
      return { type, accept: decodeAssociateAccept(body) };
    case PduType.AssociateRJ:
      if (body.length < 4) throw new PduError('A-ASSOCIATE-RJ is too short', AbortReason.InvalidPduParameterValue);
      return { type, result: body[1] as number, source: body[2] as number, reason: body[3] as number };
    case PduType.PData:
      return { type, pdvs: decodePdvs(body) };
    case PduType.ReleaseRQ:
      return { type };
    case PduType.ReleaseRP:
      return { type };
    case PduType.Abort:
      return { type, source: (body[2] ?? 0) as number, reason: (body[3] ?? 0) as number };
    default:
      throw new PduError(`Unrecognized PDU type 0x${type.toString(16)}`, AbortReason.UnrecognizedPdu);
  }
}

function decodePdvs(body: Buffer): Pdv[] {
  const pdvs: Pdv[] = [];
  let p = 0;
  while (p < body.length) {
    if (p + 6 > body.length) throw new PduError('Truncated PDV item', AbortReason.InvalidPduParameterValue);
    const length = body.readUInt32BE(p);
    if (length < 2 || p + 4 + length > body.length) throw new PduError('A PDV length does not fit its P-DATA-TF PDU', AbortReason.InvalidPduParameterValue);
    const header = body[p + 5] as number;
    pdvs.push({ presentationContextId: body[p + 4] as number, isCommand: (header & 0x01) !== 0, isLast: (header & 0x02) !== 0, data: body.subarray(p + 6, p + 4 + length) });
    p += 4 + length;
  }
  return pdvs;
}

interface Item {
  readonly type: number;
  readonly value: Buffer;
}

function* items(buf: Buffer, start: number): Generator<Item> {
  let p = start;
  while (p < buf.length) {
    if (p + 4 > buf.length) throw new PduError('Truncated item in an A-ASSOCIATE PDU', AbortReason.InvalidPduParameterValue);
    const type = buf[p] as number;
    const length = buf.readUInt16BE(p + 2);
    if (p + 4 + length > buf.length) throw new PduError(`Item 0x${type.toString(16)} overruns its PDU`, AbortReason.InvalidPduParameterValue);
    yield { type, value: buf.subarray(p + 4, p + 4 + length) };
    p += 4 + length;
  }
}

function decodeAssociateRequest(body: Buffer): AssociateRequest {
  if (body.length < 68) throw new PduError('A-ASSOCIATE-RQ is too short', AbortReason.InvalidPduParameterValue);
  const contexts: ProposedPresentationContext[] = [];
  let applicationContextName = '';
  const user = decodeUserInformationDefaults();
  for (const item of items(body, 68)) {
    switch (item.type) {
      case 0x10:
        applicationContextName = uidText(item.value);
        break;
      case 0x20: {
        if (item.value.length < 4) throw new PduError('Presentation context item is too short', AbortReason.InvalidPduParameterValue);
        let abstractSyntax = '';
        const transferSyntaxes: string[] = [];
        for (const sub of items(item.value, 4)) {
          if (sub.type === 0x30) abstractSyntax = uidText(sub.value);
          else if (sub.type === 0x40) transferSyntaxes.push(uidText(sub.value));
        }
        contexts.push({ id: item.value[0] as number, abstractSyntax, transferSyntaxes });
        break;
      }
      case 0x50:
        decodeUserInformation(item.value, user);
        break;
      default:
        // Unknown items are ignored (PS3.8 9.3.1: "items of unrecognized type shall be ignored").
        break;
    }
  }
  return {
    protocolVersion: body.readUInt16BE(0),
    calledAETitle: aeTitle(body, 4),
    callingAETitle: aeTitle(body, 20),
    applicationContextName,
    presentationContexts: contexts,
    ...user,
  };
}

interface UserInfo {
  maxPduLength: number;
  implementationClassUid: string;
  implementationVersionName?: string;
  maxOperationsInvoked?: number;
  maxOperationsPerformed?: number;
  roleSelections: RoleSelection[];
  extendedNegotiations: SopClassExtendedNegotiation[];
  userIdentity?: UserIdentity;
  userIdentityServerResponse?: Buffer;
}

function decodeUserInformationDefaults(): UserInfo {
  return { maxPduLength: 0, implementationClassUid: '', roleSelections: [], extendedNegotiations: [] };
}

function decodeUserInformation(value: Buffer, into: UserInfo): void {
  for (const sub of items(value, 0)) {
    switch (sub.type) {
      case 0x51:
        if (sub.value.length >= 4) into.maxPduLength = sub.value.readUInt32BE(0);
        break;
      case 0x52:
        into.implementationClassUid = uidText(sub.value);
        break;
      case 0x53:
        if (sub.value.length >= 4) {
          into.maxOperationsInvoked = sub.value.readUInt16BE(0);
          into.maxOperationsPerformed = sub.value.readUInt16BE(2);
        }
        break;
      case 0x54: {
        if (sub.value.length < 2) break;
        const uidLength = sub.value.readUInt16BE(0);
        into.roleSelections.push({
          sopClassUid: uidText(sub.value.subarray(2, 2 + uidLength)),
          scuRole: sub.value[2 + uidLength] === 1,
          scpRole: sub.value[3 + uidLength] === 1,
        });
        break;
      }
      case 0x55:
        into.implementationVersionName = sub.value.toString('latin1').trim();
        break;
      case 0x56: {
        // PS3.7 D.3.3.5, Table D.3-11: SOP-class-uid-length, the UID, then the service-class-application-information.
        if (sub.value.length < 2 || 2 + sub.value.readUInt16BE(0) > sub.value.length) throw new PduError('SOP Class Extended Negotiation sub-item overruns its length', AbortReason.InvalidPduParameterValue);
        const uidLength = sub.value.readUInt16BE(0);
        into.extendedNegotiations.push({ sopClassUid: uidText(sub.value.subarray(2, 2 + uidLength)), serviceClassApplicationInformation: Buffer.from(sub.value.subarray(2 + uidLength)) });
        break;
      }
      case 0x58:
        into.userIdentity = decodeUserIdentity(sub.value);
        break;
      case 0x59: {
        // PS3.7 D.3.3.7.2, Table D.3-15: server-response-length, then the server response.
        if (sub.value.length < 2 || 2 + sub.value.readUInt16BE(0) > sub.value.length) throw new PduError('User Identity (AC) sub-item overruns its length', AbortReason.InvalidPduParameterValue);
        into.userIdentityServerResponse = Buffer.from(sub.value.subarray(2, 2 + sub.value.readUInt16BE(0)));
        break;
      }
      default:
        break;
    }
  }
}

// PS3.7 D.3.3.7.1, Table D.3-14: type, positive-response-requested, primary field and secondary
// field, each field after a two-byte length. A sub-item whose lengths do not add up is a malformed PDU.
function decodeUserIdentity(value: Buffer): UserIdentity {
  const malformed = (): never => {
    throw new PduError('User Identity (RQ) sub-item lengths do not match its item length', AbortReason.InvalidPduParameterValue);
  };
  if (value.length < 6) malformed();
  const primaryLength = value.readUInt16BE(2);
  if (6 + primaryLength > value.length) malformed();
  const secondaryLength = value.readUInt16BE(4 + primaryLength);
  if (6 + primaryLength + secondaryLength !== value.length) malformed();
  return {
    type: value[0] as number,
    positiveResponseRequested: value[1] === 1,
    primaryField: Buffer.from(value.subarray(4, 4 + primaryLength)),
    secondaryField: Buffer.from(value.subarray(6 + primaryLength, 6 + primaryLength + secondaryLength)),
  };
}

function decodeAssociateAccept(body: Buffer): AssociateAccept {
  if (body.length < 68) throw new PduError('A-ASSOCIATE-AC is too short', AbortReason.InvalidPduParameterValue);
  const contexts: PresentationContextAnswer[] = [];
  const user = decodeUserInformationDefaults();
  for (const item of items(body, 68)) {
    if (item.type === 0x21) {
      let transferSyntax = '';
      for (const sub of items(item.value, 4)) if (sub.type === 0x40) transferSyntax = uidText(sub.value);
      contexts.push({ id: item.value[0] as number, result: item.value[2] as number, transferSyntax });
    } else if (item.type === 0x50) {
      decodeUserInformation(item.value, user);
    }
  }
  return {
    calledAETitle: aeTitle(body, 4),
    callingAETitle: aeTitle(body, 20),
    presentationContexts: contexts,
    maxPduLength: user.maxPduLength,
    implementationClassUid: user.implementationClassUid,
    implementationVersionName: user.implementationVersionName ?? '',
    roleSelections: user.roleSelections,
    ...(user.extendedNegotiations.length > 0 ? { extendedNegotiations: user.extendedNegotiations } : {}),
    ...(user.userIdentityServerResponse ? { userIdentityServerResponse: user.userIdentityServerResponse } : {}),
  };
}

// ---- encoding ----

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header[0] = type;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function item(type: number, value: Buffer): Buffer {
  if (value.length > 0xffff) throw new RangeError(`Item 0x${type.toString(16)} is longer than 65535 bytes`);
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value]);
}

function aeField(title: string): Buffer {
  return Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'latin1');
}

function ascii(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

function roleItem(role: RoleSelection): Buffer {
  const uid = ascii(role.sopClassUid);
  const value = Buffer.alloc(4 + uid.length);
  value.writeUInt16BE(uid.length, 0);
  uid.copy(value, 2);
  value[2 + uid.length] = role.scuRole ? 1 : 0;
  value[3 + uid.length] = role.scpRole ? 1 : 0;
  return item(0x54, value);
}

function extendedNegotiationItem(negotiation: SopClassExtendedNegotiation): Buffer {
  const uid = ascii(negotiation.sopClassUid);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(uid.length);
  return item(0x56, Buffer.concat([length, uid, negotiation.serviceClassApplicationInformation]));
}

function field(value: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(value.length);
  return Buffer.concat([length, value]);
}

/** The User Identity (RQ) sub-item (PS3.7 D.3.3.7.1, Table D.3-14). */
function userIdentityItem(identity: UserIdentity): Buffer {
  return item(0x58, Buffer.concat([Buffer.from([identity.type, identity.positiveResponseRequested ? 1 : 0]), field(identity.primaryField), field(identity.secondaryField)]));
}

interface UserInformationFields {
  readonly maxPduLength: number;
  readonly implementationClassUid: string;
  readonly implementationVersionName: string;
  readonly roleSelections: readonly RoleSelection[];
  readonly extendedNegotiations?: readonly SopClassExtendedNegotiation[];
  readonly userIdentity?: UserIdentity;
  readonly userIdentityServerResponse?: Buffer;
}

// Sub-items in the order of PS3.8 Annex D and PS3.7 D.3.3: 51H, 52H, 54H, 55H, 56H, then 58H (RQ) or 59H (AC).
function userInformation(fields: UserInformationFields): Buffer {
  const max = Buffer.alloc(4);
  max.writeUInt32BE(fields.maxPduLength);
  return item(
    0x50,
    Buffer.concat([
      item(0x51, max),
      item(0x52, ascii(fields.implementationClassUid)),
      ...fields.roleSelections.map(roleItem),
      item(0x55, ascii(fields.implementationVersionName)),
      ...(fields.extendedNegotiations ?? []).map(extendedNegotiationItem),
      ...(fields.userIdentity ? [userIdentityItem(fields.userIdentity)] : []),
      ...(fields.userIdentityServerResponse ? [item(0x59, field(fields.userIdentityServerResponse))] : []),
    ]),
  );
}

/** Encodes an A-ASSOCIATE-AC PDU (PS3.8 9.3.3). */
export function encodeAssociateAccept(ac: AssociateAccept): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0);
  aeField(ac.calledAETitle).copy(fixed, 4);
  aeField(ac.callingAETitle).copy(fixed, 20);
  const contexts = ac.presentationContexts.map((pc) => {
    const head = Buffer.from([pc.id, 0, pc.result, 0]);
    return item(0x21, Buffer.concat([head, item(0x40, ascii(pc.result === PresentationContextResult.Acceptance ? pc.transferSyntax : ''))]));
  });
  return pdu(
    PduType.AssociateAC,
    Buffer.concat([fixed, item(0x10, ascii(APPLICATION_CONTEXT_NAME)), ...contexts, userInformation({ ...ac, roleSelections: ac.roleSelections ?? [] })]),
  );
}

/** Encodes an A-ASSOCIATE-RQ PDU (PS3.8 9.3.2). */
export function encodeAssociateRequest(rq: Omit<AssociateRequest, 'protocolVersion' | 'applicationContextName'> & { implementationVersionName: string }): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0);
  aeField(rq.calledAETitle).copy(fixed, 4);
  aeField(rq.callingAETitle).copy(fixed, 20);
  const contexts = rq.presentationContexts.map((pc) =>
    item(0x20, Buffer.concat([Buffer.from([pc.id, 0, 0, 0]), item(0x30, ascii(pc.abstractSyntax)), ...pc.transferSyntaxes.map((ts) => item(0x40, ascii(ts)))])),
  );
  return pdu(
    PduType.AssociateRQ,
    Buffer.concat([fixed, item(0x10, ascii(APPLICATION_CONTEXT_NAME)), ...contexts, userInformation(rq)]),
  );
}

/** Encodes an A-ASSOCIATE-RJ PDU (PS3.8 9.3.4). */
export function encodeAssociateReject(result: number, source: number, reason: number): Buffer {
  return pdu(PduType.AssociateRJ, Buffer.from([0, result, source, reason]));
}

/** Encodes an A-RELEASE-RQ PDU (PS3.8 9.3.6). */
export function encodeReleaseRequest(): Buffer {
  return pdu(PduType.ReleaseRQ, Buffer.alloc(4));
}

/** Encodes an A-RELEASE-RP PDU (PS3.8 9.3.7). */
export function encodeReleaseResponse(): Buffer {
  return pdu(PduType.ReleaseRP, Buffer.alloc(4));
}

/** Encodes an A-ABORT PDU (PS3.8 9.3.8). */
export function encodeAbort(source: number, reason: number): Buffer {
  return pdu(PduType.Abort, Buffer.from([0, 0, source, reason]));
}

/**
 * Encodes a DIMSE message part (command or data set) as P-DATA-TF PDUs whose variable field stays
 * within maxPduLength (the peer's Maximum Length Received; 0 = unlimited), one PDV per PDU (PS3.8 9.3.5).
 */
export function encodePData(presentationContextId: number, isCommand: boolean, data: Buffer, maxPduLength: number, isLastPart = true): Buffer[] {
  const maxFragment = maxPduLength === 0 ? Math.max(data.length, 1) : maxPduLength - 6;
  const out: Buffer[] = [];
  let p = 0;
  do {
    const n = Math.min(maxFragment, data.length - p);
    const last = p + n >= data.length && isLastPart;
    const header = Buffer.alloc(12);
    header[0] = PduType.PData;
    header.writeUInt32BE(6 + n, 2);
    header.writeUInt32BE(2 + n, 6);
    header[10] = presentationContextId;
    header[11] = (isCommand ? 0x01 : 0) | (last ? 0x02 : 0);
    out.push(header, data.subarray(p, p + n));
    p += n;
  } while (p < data.length);
  return out;
}
