import type { DisplayImage } from './display';
import { applyViewport } from './viewport';

const grey = (width: number, height: number, values?: number[]): DisplayImage => ({ width, height, channels: 1, pixels: Uint8Array.from(values ?? new Array<number>(width * height).fill(0)) });

describe('viewport (PS3.18 8.3.5.1.3)', () => {
  it('fits the image keeping its aspect ratio', () => {
    const image = grey(512, 256);
    expect(size(applyViewport(image, { width: 128, height: 128 }))).toEqual([128, 64]);
    expect(size(applyViewport(image, { width: 1000, height: 100 }))).toEqual([200, 100]);
    expect(size(applyViewport(image, { height: 64 }))).toEqual([128, 64]);
    expect(size(applyViewport(image, { width: 1024 }))).toEqual([1024, 512]);
  });

  it('averages the covered area when shrinking', () => {
    expect([...applyViewport(grey(4, 1, [0, 100, 200, 255]), { width: 2 }).pixels]).toEqual([50, 228]);
    // 3 → 2: each output pixel covers one and a half source pixels.
    expect([...applyViewport(grey(3, 1, [0, 90, 180]), { width: 2 }).pixels]).toEqual([30, 150]);
  });

  it('crops to the region in pixels or fractions, then scales', () => {
    const image = grey(4, 2, [1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...applyViewport(image, { width: 2, region: { unit: 'pixel', left: 2, top: 0, width: 2, height: 2 } }).pixels]).toEqual([3, 4, 7, 8]);
    expect([...applyViewport(image, { width: 1, region: { unit: 'fraction', left: 0, top: 0.5, width: 0.5, height: 0.5 } }).pixels]).toEqual([6]);
  });

  it('refuses a region outside the image', () => {
    expect(() => applyViewport(grey(4, 4), { width: 2, region: { unit: 'pixel', left: 2, top: 0, width: 4, height: 1 } })).toThrow('not inside the 4×4 image');
  });
});

const size = (image: DisplayImage) => [image.width, image.height];
