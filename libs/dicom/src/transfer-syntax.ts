import { TRANSFER_SYNTAX_REGISTRY } from './dictionary/uids.generated';

/** How a transfer syntax encodes a data set (PS3.5 10 and Annex A). */
export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  readonly explicitVR: boolean;
  readonly littleEndian: boolean;
  /** The whole data set is deflated (RFC 1951) after the File Meta Information (PS3.5 A.5). */
  readonly deflated: boolean;
  /** Pixel Data is encapsulated in fragments (PS3.5 A.4). */
  readonly encapsulated: boolean;
  readonly retired: boolean;
}

/** Transfer syntax UIDs the core refers to by name. */
export const TransferSyntaxUIDs = {
  ImplicitVRLittleEndian: '1.2.840.10008.1.2',
  ExplicitVRLittleEndian: '1.2.840.10008.1.2.1',
  EncapsulatedUncompressedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.98',
  DeflatedExplicitVRLittleEndian: '1.2.840.10008.1.2.1.99',
  ExplicitVRBigEndian: '1.2.840.10008.1.2.2',
  JPIPReferencedDeflate: '1.2.840.10008.1.2.4.95',
  JPIPHTJ2KReferencedDeflate: '1.2.840.10008.1.2.4.205',
  Papyrus3ImplicitVRLittleEndian: '1.2.840.10008.1.20',
} as const;

// Transfer syntaxes whose data set is not a DICOM data set stream (PS3.5 A.6-A.7 retired XML/MIME) and
// that therefore cannot be received as a stored object.
const NOT_A_DATASET = new Set(['1.2.840.10008.1.2.6.1', '1.2.840.10008.1.2.6.2']);

const NATIVE = new Set<string>([
  TransferSyntaxUIDs.ImplicitVRLittleEndian,
  TransferSyntaxUIDs.ExplicitVRLittleEndian,
  TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian,
  TransferSyntaxUIDs.ExplicitVRBigEndian,
  TransferSyntaxUIDs.JPIPReferencedDeflate,
  TransferSyntaxUIDs.JPIPHTJ2KReferencedDeflate,
  TransferSyntaxUIDs.Papyrus3ImplicitVRLittleEndian,
  // SMPTE ST 2110 and JPIP Referenced carry native (or no) pixel data (PS3.5 A.8, A.9).
  '1.2.840.10008.1.2.4.94',
  '1.2.840.10008.1.2.4.204',
  '1.2.840.10008.1.2.7.1',
  '1.2.840.10008.1.2.7.2',
  '1.2.840.10008.1.2.7.3',
]);

const BY_UID = new Map<string, TransferSyntax>(
  TRANSFER_SYNTAX_REGISTRY.filter((t) => !NOT_A_DATASET.has(t.uid)).map((t) => [
    t.uid,
    {
      uid: t.uid,
      name: t.name,
      explicitVR: t.uid !== TransferSyntaxUIDs.ImplicitVRLittleEndian && t.uid !== TransferSyntaxUIDs.Papyrus3ImplicitVRLittleEndian,
      littleEndian: t.uid !== TransferSyntaxUIDs.ExplicitVRBigEndian,
      deflated:
        t.uid === TransferSyntaxUIDs.DeflatedExplicitVRLittleEndian ||
        t.uid === TransferSyntaxUIDs.JPIPReferencedDeflate ||
        t.uid === TransferSyntaxUIDs.JPIPHTJ2KReferencedDeflate,
      encapsulated: !NATIVE.has(t.uid),
      retired: t.retired,
    },
  ]),
);

/** The transfer syntax registered under a UID, if Tessera can receive data sets in it. */
export function lookupTransferSyntax(uid: string): TransferSyntax | undefined {
  return BY_UID.get(uid);
}

/** Every transfer syntax Tessera accepts as received (native, deflated and every encapsulated one). */
export function receivableTransferSyntaxes(): readonly TransferSyntax[] {
  return [...BY_UID.values()];
}

/** The encoding of File Meta Information and DIMSE command sets. */
export const EXPLICIT_VR_LITTLE_ENDIAN = BY_UID.get(TransferSyntaxUIDs.ExplicitVRLittleEndian) as TransferSyntax;
/** The default transfer syntax of DICOM (PS3.5 10.1). */
export const IMPLICIT_VR_LITTLE_ENDIAN = BY_UID.get(TransferSyntaxUIDs.ImplicitVRLittleEndian) as TransferSyntax;
