import { DicomError, DicomErrorCode } from '../errors';
import { uidValue, textValue } from '../parser/part10';
import type { Tag } from '../tag';

/** Command Field values (PS3.7 E.1-1, 9.3 and 10.3). */
export const CommandField = {
  CStoreRQ: 0x0001,
  CStoreRSP: 0x8001,
  CGetRQ: 0x0010,
  CGetRSP: 0x8010,
  CFindRQ: 0x0020,
  CFindRSP: 0x8020,
  CMoveRQ: 0x0021,
  CMoveRSP: 0x8021,
  CEchoRQ: 0x0030,
  CEchoRSP: 0x8030,
  NEventReportRQ: 0x0100,
  NEventReportRSP: 0x8100,
  NGetRQ: 0x0110,
  NGetRSP: 0x8110,
  NSetRQ: 0x0120,
  NSetRSP: 0x8120,
  NActionRQ: 0x0130,
  NActionRSP: 0x8130,
  NCreateRQ: 0x0140,
  NCreateRSP: 0x8140,
  NDeleteRQ: 0x0150,
  NDeleteRSP: 0x8150,
  CCancelRQ: 0x0fff,
} as const;

/** Command Data Set Type meaning "no data set follows" (PS3.7 E.1-1). */
export const NO_DATA_SET = 0x0101;

/** DIMSE status codes (PS3.7 Annex C; PS3.4 B.2.3 for storage). */
export const DimseStatus = {
  Success: 0x0000,
  /** Warning: Coercion of Data Elements (PS3.4 B.2.3). */
  CoercionOfDataElements: 0xb000,
  /** Warning: Elements Discarded. */
  ElementsDiscarded: 0xb006,
  /** Warning: Data Set does not match SOP Class. */
  DataSetDoesNotMatchSopClassWarning: 0xb007,
  /** Failure: Refused: Out of Resources. */
  OutOfResources: 0xa700,
  /** Failure: Error: Data Set does not match SOP Class. */
  DataSetDoesNotMatchSopClass: 0xa900,
  /** Failure: Error: Cannot understand (C000-CFFF; the low byte is Tessera's reason). */
  CannotUnderstand: 0xc000,
  /** C-MOVE/C-GET: Refused: Out of Resources – Unable to perform sub-operations (PS3.4 C.4.2.1.5). */
  UnableToPerformSubOperations: 0xa702,
  /** C-MOVE: Refused: Move Destination unknown (PS3.4 C.4.2.1.5). */
  MoveDestinationUnknown: 0xa801,
  /** C-MOVE/C-GET: Warning: Sub-operations Complete – One or more Failures or Warnings (PS3.4 C.4.2.1.5). */
  SubOperationsWithFailures: 0xb000,
  /** Query/retrieve: Failed: Unable to process (C000-CFFF, PS3.4 C.4.1.1.4). */
  UnableToProcess: 0xc001,
  /** Refused: Not Authorized (PS3.7 Annex C). */
  NotAuthorized: 0x0124,
  /** DIMSE-N: an attribute that is not recognized (here: not allowed) for the operation (PS3.7 C.5.17). */
  NoSuchAttribute: 0x0105,
  /** DIMSE-N: an attribute value out of range or otherwise inappropriate (PS3.7 C.5.11). */
  InvalidAttributeValue: 0x0106,
  ProcessingFailure: 0x0110,
  DuplicateSopInstance: 0x0111,
  /** DIMSE-N: the SOP Instance was not recognized (PS3.7 C.5.19). */
  NoSuchSopInstance: 0x0112,
  /** DIMSE-N: the SOP Instance UID breaks the UID construction rules (PS3.7 C.5.12). */
  InvalidSopInstance: 0x0117,
  NoSuchSopClass: 0x0118,
  ClassInstanceConflict: 0x0119,
  /** N-CREATE: a required attribute was not supplied (PS3.7 C.5.13). */
  MissingAttribute: 0x0120,
  /** DIMSE-N: a required attribute value was not supplied (PS3.7 C.5.14). */
  MissingAttributeValue: 0x0121,
  SopClassNotSupported: 0x0122,
  UnrecognizedOperation: 0x0211,
  /** DIMSE-N: the operation was not performed for lack of resources (PS3.7 C.5.22). */
  ResourceLimitation: 0x0213,
  Cancel: 0xfe00,
  Pending: 0xff00,
} as const;

/** Command Set attributes (PS3.7 Table E.1-1), decoded. */
export interface DimseCommand {
  commandField: number;
  messageId?: number;
  messageIdBeingRespondedTo?: number;
  affectedSOPClassUID?: string;
  requestedSOPClassUID?: string;
  affectedSOPInstanceUID?: string;
  requestedSOPInstanceUID?: string;
  priority?: number;
  /** True when a data set follows the command (Command Data Set Type other than 0101H). */
  hasDataSet: boolean;
  status?: number;
  errorComment?: string;
  offendingElement?: readonly Tag[];
  errorId?: number;
  /** Attribute Identifier List (0000,1005): the attributes a DIMSE-N failure is about (PS3.7 C.5.13, C.5.17). */
  attributeIdentifierList?: readonly Tag[];
  moveDestination?: string;
  moveOriginatorAETitle?: string;
  moveOriginatorMessageId?: number;
  eventTypeId?: number;
  actionTypeId?: number;
  numberOfRemainingSuboperations?: number;
  numberOfCompletedSuboperations?: number;
  numberOfFailedSuboperations?: number;
  numberOfWarningSuboperations?: number;
}

type Kind = 'UI' | 'US' | 'AE' | 'LO' | 'AT';

const FIELDS: ReadonlyArray<readonly [Tag, keyof DimseCommand, Kind]> = [
  [0x00000002, 'affectedSOPClassUID', 'UI'],
  [0x00000003, 'requestedSOPClassUID', 'UI'],
  [0x00000100, 'commandField', 'US'],
  [0x00000110, 'messageId', 'US'],
  [0x00000120, 'messageIdBeingRespondedTo', 'US'],
  [0x00000600, 'moveDestination', 'AE'],
  [0x00000700, 'priority', 'US'],
  [0x00000900, 'status', 'US'],
  [0x00000901, 'offendingElement', 'AT'],
  [0x00000902, 'errorComment', 'LO'],
  [0x00000903, 'errorId', 'US'],
  [0x00001000, 'affectedSOPInstanceUID', 'UI'],
  [0x00001001, 'requestedSOPInstanceUID', 'UI'],
  [0x00001002, 'eventTypeId', 'US'],
  [0x00001005, 'attributeIdentifierList', 'AT'],
  [0x00001008, 'actionTypeId', 'US'],
  [0x00001020, 'numberOfRemainingSuboperations', 'US'],
  [0x00001021, 'numberOfCompletedSuboperations', 'US'],
  [0x00001022, 'numberOfFailedSuboperations', 'US'],
  [0x00001023, 'numberOfWarningSuboperations', 'US'],
  [0x00001030, 'moveOriginatorAETitle', 'AE'],
  [0x00001031, 'moveOriginatorMessageId', 'US'],
];

const COMMAND_DATA_SET_TYPE = 0x00000800;
const BY_TAG = new Map(FIELDS.map(([tag, key, kind]) => [tag, { key, kind }]));

/** Decodes a command set (always Implicit VR Little Endian, PS3.7 6.3.1). */
export function decodeCommand(bytes: Buffer): DimseCommand {
  const command: Record<string, unknown> = { hasDataSet: false };
  let sawField = false;
  let p = 0;
  while (p + 8 <= bytes.length) {
    const tag = ((bytes.readUInt16LE(p) << 16) | bytes.readUInt16LE(p + 2)) >>> 0;
    const length = bytes.readUInt32LE(p + 4);
    if (p + 8 + length > bytes.length) break;
    const value = bytes.subarray(p + 8, p + 8 + length);
    p += 8 + length;
    if (tag === COMMAND_DATA_SET_TYPE) {
      command.hasDataSet = length >= 2 && value.readUInt16LE(0) !== NO_DATA_SET;
      continue;
    }
    const field = BY_TAG.get(tag);
    if (!field) continue;
    switch (field.kind) {
      case 'US':
        if (length >= 2) command[field.key] = value.readUInt16LE(0);
        if (field.key === 'commandField') sawField = true;
        break;
      case 'AT': {
        const tags: Tag[] = [];
        for (let i = 0; i + 4 <= length; i += 4) tags.push(((value.readUInt16LE(i) << 16) | value.readUInt16LE(i + 2)) >>> 0);
        command[field.key] = tags;
        break;
      }
      default:
        command[field.key] = value.toString('latin1').replace(/[\0 ]+$/, '').trim();
    }
  }
  if (p !== bytes.length || !sawField) {
    throw new DicomError(DicomErrorCode.MalformedDataset, 'Malformed DIMSE command set');
  }
  return command as unknown as DimseCommand;
}

/** Encodes a command set with its Command Group Length first (PS3.7 E.1). */
export function encodeCommand(command: DimseCommand): Buffer {
  const parts: Buffer[] = [];
  const add = (tag: Tag, value: Buffer): void => {
    const header = Buffer.alloc(8);
    header.writeUInt16LE(tag >>> 16, 0);
    header.writeUInt16LE(tag & 0xffff, 2);
    header.writeUInt32LE(value.length, 4);
    parts.push(header, value);
  };
  const us = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
  };
  const entries: Array<[Tag, Buffer]> = [];
  for (const [tag, key, kind] of FIELDS) {
    const value = command[key];
    if (value === undefined || typeof value === 'boolean') continue;
    switch (kind) {
      case 'US':
        entries.push([tag, us(value as number)]);
        break;
      case 'UI':
        entries.push([tag, uidValue(value as string)]);
        break;
      case 'AT': {
        const tags = value as readonly Tag[];
        const b = Buffer.alloc(tags.length * 4);
        tags.forEach((t, i) => {
          b.writeUInt16LE(t >>> 16, i * 4);
          b.writeUInt16LE(t & 0xffff, i * 4 + 2);
        });
        entries.push([tag, b]);
        break;
      }
      case 'LO':
        entries.push([tag, textValue((value as string).slice(0, 64))]);
        break;
      case 'AE':
        entries.push([tag, textValue((value as string).slice(0, 16))]);
        break;
    }
  }
  entries.push([COMMAND_DATA_SET_TYPE, us(command.hasDataSet ? 0x0000 : NO_DATA_SET)]);
  entries.sort((a, b) => a[0] - b[0]);
  for (const [tag, value] of entries) add(tag, value);
  const body = Buffer.concat(parts);
  const groupLength = Buffer.alloc(12);
  groupLength.writeUInt32LE(4, 4);
  groupLength.writeUInt32LE(body.length, 8);
  return Buffer.concat([groupLength, body]);
}
