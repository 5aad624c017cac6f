import type { ImagePixel } from '@tessera/codecs';
import { decodeFrame } from './decode-frame';
import { lutEntry, paletteToRgb, toDisplay, voi, voiLutToEightBits, ybrFullToRgb } from './display';
import type { RenderingAttributes } from './rendering-attributes';

const grey16 = (values: number[], over: Partial<ImagePixel> = {}): ImagePixel => ({
  rows: 1,
  columns: values.length,
  samplesPerPixel: 1,
  bitsAllocated: 16,
  bitsStored: 16,
  pixelRepresentation: 1,
  photometricInterpretation: 'MONOCHROME2',
  numberOfFrames: 1,
  ...over,
});
const words = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
};
const plain: RenderingAttributes = { planarConfiguration: 0, rescaleSlope: 1, rescaleIntercept: 0 };
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

async function display(values: number[], attributes: RenderingAttributes, over: Partial<ImagePixel> = {}, window?: Parameters<typeof toDisplay>[2]) {
  const decoded = await decodeFrame({ transferSyntaxUID: EXPLICIT_LE, image: grey16(values, over), data: words(values) }, 0);
  return [...toDisplay(decoded, attributes, window).pixels];
}

describe('VOI LUT functions (PS3.3 C.11.2.1.2)', () => {
  it('LINEAR: c=40, w=400 maps −160 and below to 0, above 239 to 255, the centre to the middle', () => {
    const w = { center: 40, width: 400, fn: 'LINEAR' as const };
    expect([voi(-1000, w), voi(-160, w), voi(39.5, w), voi(240, w), voi(3000, w)]).toEqual([0, 0, 128, 255, 255]);
    // ((x − (c − 0.5)) / (w − 1) + 0.5) × 255 at x = 140: (100.5 / 399 + 0.5) × 255 = 191.7
    expect(voi(140, w)).toBe(192);
  });

  it('LINEAR_EXACT: the edges are exactly c ± w/2', () => {
    const w = { center: 100, width: 50, fn: 'LINEAR_EXACT' as const };
    expect([voi(75, w), voi(100, w), voi(112.5, w), voi(125.01, w)]).toEqual([0, 128, 191, 255]);
  });

  it('SIGMOID: the centre is the middle, one width away is 1/(1+e^-4)', () => {
    const w = { center: 0, width: 100, fn: 'SIGMOID' as const };
    expect([voi(0, w), voi(100, w), voi(-100, w)]).toEqual([128, Math.round(255 / (1 + Math.exp(-4))), Math.round(255 / (1 + Math.exp(4)))]);
  });
});

describe('grey rendering', () => {
  it('applies Rescale Slope and Intercept before the object window (CT Hounsfield units)', async () => {
    // Stored 1024 with intercept −1024 is 0 HU: the middle of a 0/400 window; 1424 stored is 400 HU.
    expect(await display([0, 1024, 1424, 4000], { ...plain, rescaleIntercept: -1024, window: { center: 0, width: 400, fn: 'LINEAR' } })).toEqual([0, 128, 255, 255]);
  });

  it('lets the requested window override the object window', async () => {
    expect(await display([0, 100, 200], { ...plain, window: { center: 0, width: 2, fn: 'LINEAR' } }, {}, { center: 100, width: 200, fn: 'LINEAR_EXACT' })).toEqual([0, 128, 255]);
  });

  it('without a window, stretches the frame range over 0–255', async () => {
    expect(await display([-50, 0, 50], plain)).toEqual([0, 128, 255]);
  });

  it('inverts MONOCHROME1', async () => {
    expect(await display([-50, 0, 50], plain, { photometricInterpretation: 'MONOCHROME1' })).toEqual([255, 127, 0]);
  });

  it('masks to Bits Stored and sign-extends signed values', async () => {
    // 12 bits stored, signed: 0x0FFF is −1 (just below the middle), 0x07FF is 2047, 0xF800 masks to 0x800 = −2048.
    const decoded = await decodeFrame({ transferSyntaxUID: EXPLICIT_LE, image: grey16([0, 0, 0], { bitsStored: 12 }), data: words([0x0fff, 0x07ff, -2048]) }, 0);
    expect([...toDisplay(decoded, plain, { center: 0, width: 4096, fn: 'LINEAR_EXACT' }).pixels]).toEqual([127, 255, 0]);
  });

  it('reads Explicit VR Big Endian frames in their byte order', async () => {
    const data = Buffer.from([0x00, 0x00, 0x01, 0x00]); // big endian 0 and 256
    const decoded = await decodeFrame({ transferSyntaxUID: '1.2.840.10008.1.2.2', image: grey16([0, 0], { pixelRepresentation: 0 }), data }, 0);
    expect([...toDisplay(decoded, plain, undefined).pixels]).toEqual([0, 255]);
  });
});

describe('colour rendering', () => {
  const rgbImage: ImagePixel = { rows: 1, columns: 2, samplesPerPixel: 3, bitsAllocated: 8, bitsStored: 8, pixelRepresentation: 0, photometricInterpretation: 'RGB', numberOfFrames: 1 };

  it('converts YBR_FULL to RGB (PS3.3 C.7.6.3.1.2)', () => {
    // Pure red is Y 76, Cb 85, Cr 255 in full-range BT.601.
    const [r, g, b] = ybrFullToRgb(Uint8Array.from([76, 85, 255]));
    expect(r).toBeGreaterThanOrEqual(253);
    expect(g).toBeLessThanOrEqual(2);
    expect(b).toBeLessThanOrEqual(2);
    expect([...ybrFullToRgb(Uint8Array.from([128, 128, 128]))]).toEqual([128, 128, 128]);
  });

  it('interleaves colour-by-plane native frames (Planar Configuration 1)', async () => {
    const decoded = await decodeFrame({ transferSyntaxUID: EXPLICIT_LE, image: rgbImage, data: Buffer.from([1, 2, 3, 4, 5, 6]) }, 1);
    expect([...toDisplay(decoded, plain, undefined).pixels]).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('gives each pixel its pair chroma in native YBR_FULL_422', async () => {
    const decoded = await decodeFrame({ transferSyntaxUID: EXPLICIT_LE, image: { ...rgbImage, photometricInterpretation: 'YBR_FULL_422' }, data: Buffer.from([100, 200, 128, 128]) }, 0);
    expect([...toDisplay(decoded, plain, undefined).pixels]).toEqual([100, 100, 100, 200, 200, 200]);
  });

  it('maps PALETTE COLOR through its tables, clamping below the first mapped value and above the last entry', () => {
    const channel = (values: number[]) => ({ entries: values.length, firstMapped: 10, bits: 16, data: words(values.map((v) => v << 8)) });
    const rgb = paletteToRgb(Int32Array.from([5, 10, 11, 99]), { red: channel([1, 2]), green: channel([3, 4]), blue: channel([5, 6]) });
    expect([...rgb]).toEqual([1, 3, 5, 1, 3, 5, 2, 4, 6, 2, 4, 6]);
  });

  it('refuses a photometric interpretation it cannot render', async () => {
    const decoded = await decodeFrame({ transferSyntaxUID: EXPLICIT_LE, image: { ...rgbImage, photometricInterpretation: 'HSV' }, data: Buffer.alloc(6) }, 0);
    expect(() => toDisplay(decoded, plain, undefined)).toThrow('HSV is not rendered');
  });
});

describe('LUT sequences in the grey pipeline (PS3.4 N.2.1)', () => {
  const lut = (firstMapped: number, bits: number, entries: number[]) => ({ firstMapped, bits, entries: Uint16Array.from(entries) });

  it('maps inputs below the first mapped value to the first entry and above the last to the last', () => {
    const entry = lutEntry(lut(-2, 16, [10, 20, 30]));
    expect([-100, -2, -1, 0, 1, 5000].map(entry)).toEqual([10, 10, 20, 30, 30, 30]);
  });

  it('scales a VOI LUT output to 0–255 by its bits per entry', () => {
    const twelve = voiLutToEightBits(lut(0, 12, [0, 2048, 4095]));
    expect([0, 1, 2].map(twelve)).toEqual([0, Math.round((2048 * 255) / 4095), 255]);
    expect([0, 1].map(voiLutToEightBits(lut(0, 8, [0x7f, 0xff])))).toEqual([127, 255]);
  });

  it('applies the VOI LUT Sequence when there is no window, and the Modality LUT Sequence in place of the rescale', async () => {
    const voiLut = lut(100, 16, [0, 65535]);
    // Stored 0 and 1 go through the Modality LUT to 100 and 101, then the VOI LUT to 0 and 65535; 7 is past its end.
    const attributes = { ...plain, rescaleIntercept: 5000, modalityLut: lut(0, 16, [100, 101]), voiLut };
    expect(await display([0, 1, 7], attributes)).toEqual([0, 255, 255]);
    expect(await display([0, 1, 7], attributes, { photometricInterpretation: 'MONOCHROME1' })).toEqual([255, 0, 0]);
  });

  it('prefers the object window to its VOI LUT Sequence, and the requested window to both', async () => {
    const attributes = { ...plain, voiLut: lut(0, 16, [65535, 0, 0]), window: { center: 1, width: 2, fn: 'LINEAR_EXACT' as const } };
    expect(await display([0, 1, 2], attributes)).toEqual([0, 128, 255]);
    expect(await display([0, 1, 2], attributes, {}, { center: 0, width: 4, fn: 'LINEAR_EXACT' })).toEqual([128, 191, 255]);
    expect(await display([0, 1, 2], { ...attributes, window: undefined })).toEqual([255, 0, 0]);
  });
});
