import type { RenderError } from './render-error';
import { parseWadoUriQuery } from './wado-uri-query';

const ids = { requestType: 'WADO', studyUID: '1.2', seriesUID: '1.2.3', objectUID: '1.2.3.4' };
const refusal = (query: Record<string, string>) => {
  try {
    parseWadoUriQuery(query);
  } catch (err) {
    return [(err as RenderError).code, (err as Error).message];
  }
  return undefined;
};

describe('WADO-URI query (PS3.18 Chapter 9)', () => {
  it('defaults to a JPEG of frame 1 for images, the object in Explicit VR Little Endian otherwise', () => {
    expect(parseWadoUriQuery(ids)).toEqual({
      kind: 'default',
      ids: { study: '1.2', series: '1.2.3', instance: '1.2.3.4' },
      frameNumber: 1,
      transferSyntaxUID: '1.2.840.10008.1.2.1',
      options: { mediaType: 'image/jpeg', quality: 90, window: undefined, viewport: undefined },
    });
  });

  it('renders with rows, columns, region, window, frame and quality', () => {
    expect(parseWadoUriQuery({ ...ids, contentType: 'image/png', rows: '64', columns: '128', region: '0.25,0,0.75,0.5', windowCenter: '-600', windowWidth: '1500', frameNumber: '3', imageQuality: '70' })).toEqual({
      kind: 'rendered',
      ids: { study: '1.2', series: '1.2.3', instance: '1.2.3.4' },
      frameNumber: 3,
      options: {
        mediaType: 'image/png',
        quality: 70,
        window: { center: -600, width: 1500, fn: 'LINEAR' },
        viewport: { width: 128, height: 64, region: { unit: 'fraction', left: 0.25, top: 0, width: 0.5, height: 0.5 } },
      },
    });
  });

  it('returns the object for application/dicom, in the transfer syntax asked', () => {
    expect(parseWadoUriQuery({ ...ids, contentType: 'application/dicom', transferSyntax: '1.2.840.10008.1.2' })).toMatchObject({ kind: 'dicom', transferSyntaxUID: '1.2.840.10008.1.2' });
  });

  it.each([
    [{ ...ids, requestType: 'WADO-RS' }, 'bad-parameter', 'requestType must be WADO (PS3.18 Chapter 9)'],
    [{ requestType: 'WADO', studyUID: '1.2', seriesUID: '1.2.3' }, 'bad-parameter', 'objectUID is required (PS3.18 Chapter 9)'],
    [{ ...ids, contentType: 'image/gif' }, 'not-acceptable', 'Rendered representations are available as image/jpeg and image/png'],
    [{ ...ids, windowCenter: '40' }, 'bad-parameter', 'windowCenter and windowWidth go together (PS3.18 Chapter 9)'],
    [{ ...ids, windowCenter: '40', windowWidth: 'wide' }, 'bad-parameter', 'windowWidth "wide" is not a decimal number'],
    [{ ...ids, region: '0.5,0,0.4,1' }, 'bad-parameter', 'region "0.5,0,0.4,1" is not xmin,ymin,xmax,ymax with 0 ≤ min < max ≤ 1'],
    [{ ...ids, frameNumber: '0' }, 'bad-parameter', 'frameNumber "0" is not a frame number (from 1)'],
    [{ ...ids, imageQuality: '101' }, 'bad-parameter', 'imageQuality "101" is not an integer from 1 to 100'],
    [{ ...ids, contentType: 'application/dicom', rows: '10' }, 'bad-parameter', 'rows apply to rendered images, not to contentType application/dicom (PS3.18 Chapter 9)'],
    [{ ...ids, transferSyntax: '1.2.840.10008.1.2' }, 'bad-parameter', 'transferSyntax applies to contentType application/dicom only (PS3.18 Chapter 9)'],
    [{ ...ids, presentationUID: '1.9' }, 'bad-parameter', 'presentationUID: Tessera does not apply presentation states to WADO-URI renderings'],
    [{ ...ids, anonymize: 'yes' }, 'bad-parameter', 'anonymize: Tessera does not de-identify WADO-URI responses'],
    [{ ...ids, viewport: '10,10' }, 'bad-parameter', '"viewport" is not a WADO-URI query parameter (PS3.18 Chapter 9)'],
  ])('refuses %j', (query, code, message) => {
    expect(refusal(query)).toEqual([code, message]);
  });
});
