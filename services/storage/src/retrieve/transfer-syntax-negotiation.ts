import { canDecodeToNative } from '@tessera/codecs';
import { canTranscodeToExplicitLittleEndian, lookupTransferSyntax, TransferSyntaxUIDs } from '@tessera/dicom';
import type { MediaRange } from '@tessera/multipart';

/** What a retrieve request wants for each instance: as stored, or one transfer syntax. */
export type Wanted = { readonly kind: 'as-stored' } | { readonly kind: 'syntax'; readonly uid: string };

/**
 * The transfer syntaxes a WADO-RS retrieve accepts, most preferred first (PS3.18 8.7.3): one per
 * acceptable media range of multipart/related with application/dicom parts. "*" means as stored;
 * without the parameter the default is Explicit VR Little Endian (PS3.18 since 2016c).
 */
export function wantedSyntaxes(ranges: readonly MediaRange[]): Wanted[] {
  const out: Wanted[] = [];
  for (const range of ranges) {
    const covers = range.type === '*/*' || range.type === 'multipart/*' || range.type === 'multipart/related';
    const partType = (range.params.type ?? 'application/dicom').toLowerCase();
    if (!covers || partType !== 'application/dicom') continue;
    const ts = range.params['transfer-syntax'];
    out.push(ts === '*' ? { kind: 'as-stored' } : { kind: 'syntax', uid: ts ?? TransferSyntaxUIDs.ExplicitVRLittleEndian });
  }
  return out;
}

/**
 * How to deliver one stored instance: as it is; re-encoded to Explicit VR Little Endian from a native
 * syntax ("transcode"), or from a compressed one whose pixel data Tessera decodes ("decode"); or not at
 * all. Tessera never compresses, nor converts between compressed syntaxes.
 */
export type Delivery = 'as-stored' | 'transcode' | 'decode' | 'impossible';

export function deliveryFor(wanted: Wanted, storedSyntax: string): Delivery {
  if (wanted.kind === 'as-stored' || wanted.uid === storedSyntax) return 'as-stored';
  const stored = lookupTransferSyntax(storedSyntax);
  if (wanted.uid !== TransferSyntaxUIDs.ExplicitVRLittleEndian || !stored) return 'impossible';
  if (canTranscodeToExplicitLittleEndian(stored)) return 'transcode';
  return canDecodeToNative(stored) ? 'decode' : 'impossible';
}
