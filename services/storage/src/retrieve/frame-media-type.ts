import { CodecTransferSyntaxUIDs, pixelCodecFor, type ImagePixel } from '@tessera/codecs';
import { lookupTransferSyntax, TransferSyntaxUIDs } from '@tessera/dicom';
import type { MediaRange } from '@tessera/multipart';

const OCTET_STREAM = 'application/octet-stream';

// PS3.18 Table 8.7.3-5: the media type of pixel data in each transfer syntax, and each media type's
// default transfer syntax (the one meant when a request names the type without transfer-syntax).
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  [CodecTransferSyntaxUIDs.JPEGBaseline8Bit]: 'image/jpeg',
  [CodecTransferSyntaxUIDs.JPEGExtended12Bit]: 'image/jpeg',
  [CodecTransferSyntaxUIDs.JPEGLossless]: 'image/jpeg',
  [CodecTransferSyntaxUIDs.JPEGLosslessSV1]: 'image/jpeg',
  [CodecTransferSyntaxUIDs.JPEGLSLossless]: 'image/jls',
  [CodecTransferSyntaxUIDs.JPEGLSNearLossless]: 'image/jls',
  [CodecTransferSyntaxUIDs.JPEG2000Lossless]: 'image/jp2',
  [CodecTransferSyntaxUIDs.JPEG2000]: 'image/jp2',
  '1.2.840.10008.1.2.4.92': 'image/jpx',
  '1.2.840.10008.1.2.4.93': 'image/jpx',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.202': 'image/jphc',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
  [CodecTransferSyntaxUIDs.RLELossless]: 'image/dicom-rle',
  [CodecTransferSyntaxUIDs.EncapsulatedUncompressedExplicitVRLittleEndian]: OCTET_STREAM,
};
const DEFAULT_SYNTAX: Readonly<Record<string, string>> = {
  'image/jpeg': CodecTransferSyntaxUIDs.JPEGBaseline8Bit,
  'image/jls': CodecTransferSyntaxUIDs.JPEGLSLossless,
  'image/jp2': CodecTransferSyntaxUIDs.JPEG2000Lossless,
  'image/jpx': '1.2.840.10008.1.2.4.92',
  'image/jphc': '1.2.840.10008.1.2.4.201',
  'image/dicom-rle': CodecTransferSyntaxUIDs.RLELossless,
  [OCTET_STREAM]: TransferSyntaxUIDs.ExplicitVRLittleEndian,
};

/** How frames go out: their part's Content-Type, and whether they are sent as stored or decoded to native. */
export type FrameDelivery =
  | { readonly kind: 'as-stored'; readonly contentType: string }
  | { readonly kind: 'native'; readonly contentType: string; readonly decode: boolean }
  | { readonly kind: 'not-acceptable'; readonly reason: string };

const partContentType = (type: string, syntax: string): string => `${type}; transfer-syntax=${syntax}`;

/**
 * Chooses how to send the frames of an instance stored in `storedSyntax` for a WADO-RS frames request
 * (PS3.18 8.7.3.3, Table 8.7.3-5): the first acceptable media range that can be met. Native pixel data
 * goes as application/octet-stream in Explicit VR Little Endian; encapsulated pixel data as its own
 * media type, or decoded when application/octet-stream is asked for and Tessera has the decoder.
 * transfer-syntax=* (and a part type of * / *) means as stored.
 */
export function frameDelivery(ranges: readonly MediaRange[], storedSyntax: string, image: ImagePixel): FrameDelivery {
  const stored = lookupTransferSyntax(storedSyntax);
  const encapsulated = stored?.encapsulated ?? false;
  const storedType = encapsulated ? MEDIA_TYPES[storedSyntax] : OCTET_STREAM;
  const codec = encapsulated ? pixelCodecFor(storedSyntax) : undefined;
  const decodeRefusal = !encapsulated ? undefined : !codec ? `Tessera has no decoder for ${storedSyntax}` : codec.refuses(image);
  const reasons: string[] = [];
  for (const range of ranges) {
    if (!(range.type === '*/*' || range.type === 'multipart/*' || range.type === 'multipart/related')) continue;
    const partType = (range.params.type ?? OCTET_STREAM).toLowerCase();
    const syntax = range.params['transfer-syntax'];
    if (partType === '*/*' || syntax === '*') {
      const type = storedType ?? OCTET_STREAM;
      if (partType === '*/*' || partType === type || partType === `${type.split('/')[0]}/*`) {
        return encapsulated ? { kind: 'as-stored', contentType: partContentType(type, storedSyntax) } : native(false);
      }
    }
    const wanted = syntax === undefined || syntax === '*' ? DEFAULT_SYNTAX[partType] : syntax;
    if (!wanted) {
      reasons.push(`${partType} is not a media type of frames (PS3.18 Table 8.7.3-5)`);
      continue;
    }
    if (encapsulated && wanted === storedSyntax && partType === storedType) return { kind: 'as-stored', contentType: partContentType(partType, storedSyntax) };
    if (partType === OCTET_STREAM && wanted === TransferSyntaxUIDs.ExplicitVRLittleEndian) {
      if (!encapsulated) return native(false);
      if (!decodeRefusal) return native(true);
      reasons.push(`uncompressed frames: ${decodeRefusal}`);
      continue;
    }
    reasons.push(`${partType} in ${wanted}: the frames are stored in ${storedSyntax}${encapsulated ? '' : ' (uncompressed)'} and Tessera does not compress them`);
  }
  const available = encapsulated ? `${storedType ?? 'as stored'} (transfer-syntax=${storedSyntax})${decodeRefusal ? '' : ' or application/octet-stream'}` : OCTET_STREAM;
  return { kind: 'not-acceptable', reason: `${reasons.length > 0 ? `Cannot send ${reasons.join('; ')}. ` : ''}The frames of this instance are available as multipart/related; type="${available}"` };
}

function native(decode: boolean): FrameDelivery {
  return { kind: 'native', contentType: partContentType(OCTET_STREAM, TransferSyntaxUIDs.ExplicitVRLittleEndian), decode };
}
