import { DicomError, DicomErrorCode } from '../errors';
import { Tags, tagLabel, type Tag } from '../tag';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';
import { hasLongLength, isVR, type VR } from '../vr';

/** The File Meta Information of a Part 10 file (PS3.10 7.1) that Tessera uses. */
export interface FileMeta {
  readonly mediaStorageSOPClassUID: string;
  readonly mediaStorageSOPInstanceUID: string;
  readonly transferSyntaxUID: string;
  readonly implementationClassUID?: string;
  readonly sourceApplicationEntityTitle?: string;
}

/** A parsed File Meta header and where the data set starts. */
export interface FileMetaResult {
  readonly meta: FileMeta;
  /** Byte offset of the first data set byte in the file. */
  readonly datasetOffset: number;
}

const PREAMBLE_LENGTH = 128;
const PREFIX = 'DICM';

/**
 * Reads the File Meta Information at the start of a Part 10 file. Returns undefined when `head` is too
 * short to contain all of it yet (call again with more bytes). The meta group is Explicit VR Little
 * Endian (PS3.10 7.1); its end is found from the group length or, when that is missing, from the first
 * element outside group 0002.
 */
export function readFileMeta(head: Buffer, final = false): FileMetaResult | undefined {
  if (head.length < PREAMBLE_LENGTH + 4) return needMore(final, 'The file is shorter than the 128-byte preamble and "DICM" prefix');
  if (head.toString('latin1', PREAMBLE_LENGTH, PREAMBLE_LENGTH + 4) !== PREFIX) {
    throw new DicomError(DicomErrorCode.MalformedFileMeta, 'Not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble (PS3.10 7.1)');
  }
  const values = new Map<Tag, Buffer>();
  let p = PREAMBLE_LENGTH + 4;
  let end: number | undefined;
  for (;;) {
    if (end !== undefined && p >= end) break;
    if (head.length < p + 8) {
      if (end === undefined && final && head.length === p) break;
      return needMore(final, 'The File Meta Information is truncated');
    }
    const tag = ((head.readUInt16LE(p) << 16) | head.readUInt16LE(p + 2)) >>> 0;
    if (tag >>> 16 !== 0x0002) {
      if (end !== undefined) throw new DicomError(DicomErrorCode.MalformedFileMeta, 'The File Meta Information Group Length does not match its elements', p);
      break;
    }
    const vrText = head.toString('latin1', p + 4, p + 6);
    if (!isVR(vrText)) throw new DicomError(DicomErrorCode.MalformedFileMeta, `Invalid VR ${JSON.stringify(vrText)} in the File Meta Information`, p);
    const long = hasLongLength(vrText);
    if (long && head.length < p + 12) return needMore(final, 'The File Meta Information is truncated');
    const length = long ? head.readUInt32LE(p + 8) : head.readUInt16LE(p + 6);
    const valueStart = p + (long ? 12 : 8);
    if (length === 0xffffffff) throw new DicomError(DicomErrorCode.MalformedFileMeta, `Undefined length for ${tagLabel(tag)} in the File Meta Information`, p);
    if (head.length < valueStart + length) return needMore(final, 'The File Meta Information is truncated');
    const value = head.subarray(valueStart, valueStart + length);
    values.set(tag, value);
    if (tag === Tags.FileMetaInformationGroupLength && length === 4) end = valueStart + 4 + value.readUInt32LE(0);
    p = valueStart + length;
  }
  const text = (tag: Tag): string | undefined => {
    const v = values.get(tag);
    return v === undefined ? undefined : v.toString('latin1').replace(/[\0 ]+$/, '').trim();
  };
  const required = (tag: Tag, name: string): string => {
    const v = text(tag);
    if (!v) throw new DicomError(DicomErrorCode.MalformedFileMeta, `The File Meta Information has no ${name} ${tagLabel(tag)}`);
    return v;
  };
  const meta: FileMeta = {
    mediaStorageSOPClassUID: required(Tags.MediaStorageSOPClassUID, 'Media Storage SOP Class UID'),
    mediaStorageSOPInstanceUID: required(Tags.MediaStorageSOPInstanceUID, 'Media Storage SOP Instance UID'),
    transferSyntaxUID: required(Tags.TransferSyntaxUID, 'Transfer Syntax UID'),
    ...optional('implementationClassUID', text(Tags.ImplementationClassUID)),
    ...optional('sourceApplicationEntityTitle', text(Tags.SourceApplicationEntityTitle)),
  };
  return { meta, datasetOffset: p };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

function needMore(final: boolean, message: string): undefined {
  if (final) throw new DicomError(DicomErrorCode.MalformedFileMeta, message);
  return undefined;
}

/**
 * Encodes a Part 10 header (preamble, "DICM", File Meta Information) for a data set that follows it
 * unchanged. Tessera writes its own header on every stored object so that all of them say the same
 * about who wrote them (PS3.10 7.1: the meta information describes the file, not the data set).
 */
export function encodeFileMeta(meta: FileMeta): Buffer {
  const elements = [
    element(Tags.FileMetaInformationVersion, 'OB', Buffer.from([0x00, 0x01])),
    element(Tags.MediaStorageSOPClassUID, 'UI', uidValue(meta.mediaStorageSOPClassUID)),
    element(Tags.MediaStorageSOPInstanceUID, 'UI', uidValue(meta.mediaStorageSOPInstanceUID)),
    element(Tags.TransferSyntaxUID, 'UI', uidValue(meta.transferSyntaxUID)),
    element(Tags.ImplementationClassUID, 'UI', uidValue(IMPLEMENTATION_CLASS_UID)),
    element(Tags.ImplementationVersionName, 'SH', textValue(IMPLEMENTATION_VERSION_NAME)),
    ...(meta.sourceApplicationEntityTitle ? [element(Tags.SourceApplicationEntityTitle, 'AE', textValue(meta.sourceApplicationEntityTitle))] : []),
  ];
  const body = Buffer.concat(elements);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.alloc(PREAMBLE_LENGTH), Buffer.from(PREFIX, 'latin1'), element(Tags.FileMetaInformationGroupLength, 'UL', groupLength), body]);
}

/** The header of an Explicit VR Little Endian element (PS3.5 7.1.2): 12 bytes for the VRs with a 32-bit length, else 8. */
export function explicitLittleEndianHeader(tag: Tag, vr: VR, length: number): Buffer {
  const long = hasLongLength(vr);
  const b = Buffer.alloc(long ? 12 : 8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  b.write(vr, 4, 'latin1');
  if (long) b.writeUInt32LE(length, 8);
  else b.writeUInt16LE(length, 6);
  return b;
}

/** Explicit VR Little Endian encoding of one element (PS3.5 7.1.2). */
export function element(tag: Tag, vr: VR, value: Buffer): Buffer {
  return Buffer.concat([explicitLittleEndianHeader(tag, vr, value.length), value]);
}

/** A UI value padded with NUL to even length (PS3.5 9.1). */
export function uidValue(uid: string): Buffer {
  return Buffer.from(uid.length % 2 === 1 ? `${uid}\0` : uid, 'latin1');
}

/** A text value padded with a space to even length (PS3.5 6.2). */
export function textValue(text: string): Buffer {
  return Buffer.from(text.length % 2 === 1 ? `${text} ` : text, 'latin1');
}
