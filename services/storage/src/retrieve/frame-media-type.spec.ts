import type { ImagePixel } from '@tessera/codecs';
import { parseAccept } from '@tessera/multipart';
import { frameDelivery } from './frame-media-type';

const GREY: ImagePixel = { rows: 8, columns: 8, samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'MONOCHROME2', numberOfFrames: 2 };
const JPEG = '1.2.840.10008.1.2.4.50';
const EXPLICIT = '1.2.840.10008.1.2.1';
const deliver = (accept: string | undefined, stored: string, image = GREY) => frameDelivery(parseAccept(accept), stored, image);

describe('frameDelivery (PS3.18 8.7.3.3, Table 8.7.3-5)', () => {
  it('sends native frames as application/octet-stream in Explicit VR Little Endian, whatever the native syntax', () => {
    const native = { kind: 'native', contentType: `application/octet-stream; transfer-syntax=${EXPLICIT}`, decode: false };
    for (const accept of [undefined, 'multipart/related; type="application/octet-stream"', `multipart/related; type="application/octet-stream"; transfer-syntax=${EXPLICIT}`, 'multipart/related; type="*/*"']) {
      expect(deliver(accept, '1.2.840.10008.1.2')).toEqual(native);
    }
    expect(deliver('multipart/related; type="image/jpeg"', EXPLICIT)).toMatchObject({ kind: 'not-acceptable', reason: expect.stringContaining('does not compress') });
  });

  it('sends encapsulated frames as their media type, as stored when asked so, else decoded to native', () => {
    const asStored = { kind: 'as-stored', contentType: `image/jpeg; transfer-syntax=${JPEG}` };
    expect(deliver('multipart/related; type="image/jpeg"', JPEG)).toEqual(asStored);
    expect(deliver(`multipart/related; type="image/jpeg"; transfer-syntax=${JPEG}`, JPEG)).toEqual(asStored);
    expect(deliver('multipart/related; type="image/*"; transfer-syntax=*', JPEG)).toEqual(asStored);
    expect(deliver('multipart/related; type="*/*"', JPEG)).toEqual(asStored);
    expect(deliver('multipart/related; type="application/octet-stream"', JPEG)).toMatchObject({ kind: 'native', decode: true });
    expect(deliver('multipart/related; type="image/dicom-rle"', '1.2.840.10008.1.2.5')).toEqual({ kind: 'as-stored', contentType: 'image/dicom-rle; transfer-syntax=1.2.840.10008.1.2.5' });
  });

  it('takes the first acceptable range, and says what is available when none is', () => {
    expect(deliver('multipart/related; type="image/jls", multipart/related; type="image/jpeg"; q=0.5', JPEG)).toMatchObject({ kind: 'as-stored' });
    // The default syntax of image/jpeg is JPEG Baseline, not JPEG Lossless as stored.
    const refused = deliver('multipart/related; type="image/jpeg"', '1.2.840.10008.1.2.4.70', { ...GREY, bitsAllocated: 16, bitsStored: 16 });
    expect(refused).toMatchObject({ kind: 'not-acceptable', reason: expect.stringContaining('type="image/jpeg (transfer-syntax=1.2.840.10008.1.2.4.70) or application/octet-stream"') });
    expect(deliver('application/json', JPEG)).toMatchObject({ kind: 'not-acceptable' });
  });
});
