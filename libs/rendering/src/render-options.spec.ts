import type { RenderError } from './render-error';
import { parseRenderedQuery } from './render-options';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return [(err as RenderError).code, (err as Error).message];
  }
  return undefined;
};

describe('rendered query parameters (PS3.18 8.3.5.1)', () => {
  it('parses window, viewport and quality, with image/jpeg when anything is accepted', () => {
    expect(parseRenderedQuery({ window: '40,400,sigmoid', viewport: '256,,0,0,100,50', quality: '75' }, undefined)).toEqual({
      mediaType: 'image/jpeg',
      quality: 75,
      window: { center: 40, width: 400, fn: 'SIGMOID' },
      viewport: { width: 256, height: undefined, region: { unit: 'pixel', left: 0, top: 0, width: 100, height: 50 } },
    });
  });

  it('takes the media type from Accept, bare or as multipart/related parts, or from the accept parameter', () => {
    expect(parseRenderedQuery({}, 'image/png').mediaType).toBe('image/png');
    expect(parseRenderedQuery({}, 'multipart/related; type="image/png"').mediaType).toBe('image/png');
    expect(parseRenderedQuery({}, 'image/gif;q=1, image/*;q=0.5').mediaType).toBe('image/jpeg');
    expect(parseRenderedQuery({ accept: 'image/png' }, 'image/jpeg').mediaType).toBe('image/png');
    expect(codeOf(() => parseRenderedQuery({}, 'application/dicom'))).toEqual(['not-acceptable', 'Rendered representations are available as image/jpeg and image/png']);
  });

  it.each([
    [{ quality: '0' }, 'quality "0" is not an integer from 1 to 100'],
    [{ quality: '101' }, 'quality "101" is not an integer from 1 to 100'],
    [{ window: '40' }, 'window "40" is not center,width[,function] (PS3.18 8.3.5.1.4)'],
    [{ window: '40,0.5' }, 'window width 0.5 is too small for linear'],
    [{ window: '40,400,cubic' }, 'window function "cubic" is not linear, linear-exact or sigmoid'],
    [{ window: 'a,400' }, 'window center "a" is not a number'],
    [{ viewport: '0,10' }, 'viewport width "0" is not a whole number from 1 to 99999'],
    [{ viewport: ',' }, 'viewport needs a width, a height or both'],
    [{ viewport: '10,10,0,0,-5,5' }, 'viewport sw and sh must be above 0 (flipping is not supported)'],
    [{ iccprofile: 'srgb' }, 'iccprofile "srgb": Tessera embeds no ICC profile, so only "no" is accepted'],
    [{ annotation: 'everything' }, 'annotation "everything": the values are "patient" and "technique" (PS3.18 8.3.5.1.1)'],
    [{ quality: ['1', '2'] }, 'The query parameter "quality" is given more than once'],
    [{ frame: '1' }, '"frame" is not a query parameter of rendered resources (PS3.18 8.3.5.1)'],
  ])('refuses %j', (query, message) => {
    expect(codeOf(() => parseRenderedQuery(query, 'image/jpeg'))).toEqual(['bad-parameter', message]);
  });
});
