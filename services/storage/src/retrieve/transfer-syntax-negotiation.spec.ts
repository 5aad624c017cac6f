import { parseAccept } from '@tessera/multipart';
import { deliveryFor, wantedSyntaxes } from './transfer-syntax-negotiation';

const JPEG = '1.2.840.10008.1.2.4.50';
const IMPLICIT = '1.2.840.10008.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const HTJ2K = '1.2.840.10008.1.2.4.201';

describe('WADO-RS transfer syntax negotiation (PS3.18 8.7.3)', () => {
  it('reads the ranges in order of preference; no parameter means Explicit VR Little Endian', () => {
    expect(wantedSyntaxes(parseAccept('multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50, multipart/related; type="application/dicom"; q=0.5'))).toEqual([
      { kind: 'syntax', uid: JPEG },
      { kind: 'syntax', uid: EXPLICIT },
    ]);
    expect(wantedSyntaxes(parseAccept(undefined))).toEqual([{ kind: 'syntax', uid: EXPLICIT }]);
    expect(wantedSyntaxes(parseAccept('multipart/related; type="application/dicom"; transfer-syntax=*'))).toEqual([{ kind: 'as-stored' }]);
    expect(wantedSyntaxes(parseAccept('application/dicom+json'))).toEqual([]);
  });

  it('delivers as stored, re-encodes native syntaxes and decodes the compressed ones it has a decoder for to Explicit VR Little Endian, and nothing else', () => {
    expect(deliveryFor({ kind: 'as-stored' }, JPEG)).toBe('as-stored');
    expect(deliveryFor({ kind: 'syntax', uid: JPEG }, JPEG)).toBe('as-stored');
    expect(deliveryFor({ kind: 'syntax', uid: EXPLICIT }, IMPLICIT)).toBe('transcode');
    expect(deliveryFor({ kind: 'syntax', uid: EXPLICIT }, JPEG)).toBe('decode');
    expect(deliveryFor({ kind: 'syntax', uid: EXPLICIT }, HTJ2K)).toBe('impossible');
    expect(deliveryFor({ kind: 'syntax', uid: IMPLICIT }, JPEG)).toBe('impossible');
    expect(deliveryFor({ kind: 'syntax', uid: JPEG }, EXPLICIT)).toBe('impossible');
    expect(deliveryFor({ kind: 'syntax', uid: IMPLICIT }, EXPLICIT)).toBe('impossible');
  });
});
