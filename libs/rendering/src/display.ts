import type { DecodedPixels } from './decode-frame';
import { RenderError, RenderErrorCode } from './render-error';
import type { Lut, PaletteChannel, RenderingAttributes, Window } from './rendering-attributes';

/** An 8-bit image ready to encode: one (grey) or three (RGB) samples per pixel, row by row. */
export interface DisplayImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixels: Uint8Array;
}

/**
 * Brings decoded pixels to displayed 8-bit values (PS3.3 C.11 and C.7.6.3.1.2): grey images through
 * the grey pipeline of PS3.4 N.2.1 — the Modality LUT (its Sequence, else Rescale Slope and
 * Intercept), the VOI LUT (the requested window, else the object's window, else its VOI LUT
 * Sequence, else the frame's range) and MONOCHROME1's inversion; colour images to RGB.
 */
export function toDisplay(decoded: DecodedPixels, attributes: RenderingAttributes, window: Window | undefined): DisplayImage {
  const { image, photometricInterpretation: photometric } = decoded;
  const width = image.columns;
  const height = image.rows;
  switch (photometric) {
    case 'MONOCHROME1':
    case 'MONOCHROME2':
      return { width, height, channels: 1, pixels: grey(decoded, attributes, window, photometric === 'MONOCHROME1') };
    case 'RGB':
      return { width, height, channels: 3, pixels: eightBit(decoded) };
    case 'YBR_FULL':
      return { width, height, channels: 3, pixels: ybrFullToRgb(eightBit(decoded)) };
    case 'PALETTE COLOR':
      if (!attributes.palette) throw new RenderError(RenderErrorCode.NotRenderable, 'PALETTE COLOR without its Palette Color Lookup Tables');
      return { width, height, channels: 3, pixels: paletteToRgb(samples(decoded), attributes.palette) };
    default:
      throw new RenderError(RenderErrorCode.NotRenderable, `Photometric Interpretation ${photometric} is not rendered`);
  }
}

/** The stored values of a one-sample frame: Bits Stored of each cell, sign-extended when Pixel Representation is 1 (PS3.5 8.1.1). */
export function samples(decoded: DecodedPixels): Int32Array {
  const { image, pixels } = decoded;
  const count = image.rows * image.columns;
  const out = new Int32Array(count);
  const mask = image.bitsStored >= 32 ? 0xffffffff : (1 << image.bitsStored) - 1;
  const sign = 1 << (image.bitsStored - 1);
  const view = new DataView(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  for (let i = 0; i < count; i++) {
    let v = (image.bitsAllocated === 8 ? (pixels[i] as number) : view.getUint16(i * 2, true)) & mask;
    if (image.pixelRepresentation === 1 && v & sign) v -= mask + 1;
    out[i] = v;
  }
  return out;
}

function grey(decoded: DecodedPixels, attributes: RenderingAttributes, requested: Window | undefined, invert: boolean): Uint8Array {
  const stored = samples(decoded);
  const values = new Float64Array(stored.length);
  const { modalityLut } = attributes;
  if (modalityLut) {
    const entry = lutEntry(modalityLut);
    for (let i = 0; i < stored.length; i++) values[i] = entry(stored[i] as number);
  } else {
    // PS3.3 C.11.1.1.2: output units = m * SV + b.
    for (let i = 0; i < stored.length; i++) values[i] = (stored[i] as number) * attributes.rescaleSlope + attributes.rescaleIntercept;
  }
  const toEightBits = voiTransform(values, attributes, requested);
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const y = toEightBits(values[i] as number);
    out[i] = invert ? 255 - y : y;
  }
  return out;
}

/**
 * A LUT as a function of its input: inputs below the first mapped value take the first entry, above
 * the last mapped value the last (PS3.3 C.11.1.1.1, C.11.2.1.1); an input between two mapped values
 * (a rescaled one) takes the nearer.
 */
export function lutEntry(lut: Lut): (x: number) => number {
  const last = lut.entries.length - 1;
  return (x) => lut.entries[Math.min(last, Math.max(0, Math.round(x - lut.firstMapped)))] as number;
}

/** A VOI LUT to 0–255: its output spans 0 to 2^bits − 1, scaled to the display range (PS3.4 N.2.1.1). */
export function voiLutToEightBits(lut: Lut): (x: number) => number {
  const entry = lutEntry(lut);
  const top = 2 ** lut.bits - 1;
  return (x) => Math.min(255, Math.round((entry(x) * 255) / top));
}

// PS3.4 N.2.1's VOI LUT step: the requested window, else the object's, else its VOI LUT Sequence.
function voiTransform(values: Float64Array, attributes: RenderingAttributes, requested: Window | undefined): (x: number) => number {
  const window = requested ?? attributes.window;
  if (window) return (x) => voi(x, window);
  if (attributes.voiLut) return voiLutToEightBits(attributes.voiLut);
  const range = rangeWindow(values);
  return (x) => voi(x, range);
}

// With no window, the frame's own range fills the output (as dcm4chee and Orthanc do).
function rangeWindow(values: Float64Array): Window {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > min ? { center: (min + max) / 2, width: max - min, fn: 'LINEAR_EXACT' } : { center: min, width: 1, fn: 'LINEAR_EXACT' };
}

/** One value through a VOI LUT Function to 0–255 (PS3.3 C.11.2.1.2.1, C.11.2.1.3.1, C.11.2.1.3.2). */
export function voi(x: number, window: Window): number {
  const { center: c, width: w } = window;
  let y: number;
  switch (window.fn) {
    case 'LINEAR':
      if (x <= c - 0.5 - (w - 1) / 2) y = 0;
      else if (x > c - 0.5 + (w - 1) / 2) y = 255;
      else y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255;
      break;
    case 'LINEAR_EXACT':
      if (x <= c - w / 2) y = 0;
      else if (x > c + w / 2) y = 255;
      else y = ((x - c) / w + 0.5) * 255;
      break;
    case 'SIGMOID':
      y = 255 / (1 + Math.exp((-4 * (x - c)) / w));
      break;
  }
  return Math.min(255, Math.max(0, Math.round(y)));
}

// Colour samples of more than 8 bits keep their top eight stored bits.
function eightBit(decoded: DecodedPixels): Uint8Array {
  const { image, pixels } = decoded;
  if (image.bitsAllocated === 8) return pixels;
  const count = image.rows * image.columns * 3;
  const out = new Uint8Array(count);
  const shift = Math.max(0, image.bitsStored - 8);
  const view = new DataView(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  for (let i = 0; i < count; i++) out[i] = Math.min(255, view.getUint16(i * 2, true) >> shift);
  return out;
}

/** YBR_FULL to RGB with the inverse of PS3.3 C.7.6.3.1.2's equations (ITU-R BT.601, full range). */
export function ybrFullToRgb(ybr: Uint8Array): Uint8Array {
  const out = new Uint8Array(ybr.length);
  const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  for (let i = 0; i < ybr.length; i += 3) {
    const y = ybr[i] as number;
    const cb = (ybr[i + 1] as number) - 128;
    const cr = (ybr[i + 2] as number) - 128;
    out[i] = clamp(y + 1.402 * cr);
    out[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

/** Stored values through the Palette Color Lookup Tables (PS3.3 C.7.6.3.1.5, C.7.9). */
export function paletteToRgb(stored: Int32Array, palette: { readonly red: PaletteChannel; readonly green: PaletteChannel; readonly blue: PaletteChannel }): Uint8Array {
  const channels = [palette.red, palette.green, palette.blue].map(lookup);
  const out = new Uint8Array(stored.length * 3);
  for (let i = 0; i < stored.length; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = (channels[c] as (v: number) => number)(stored[i] as number);
  return out;
}

// Values below the first mapped one take the first entry, above the last the last (PS3.3 C.7.6.3.1.5).
function lookup(channel: PaletteChannel): (value: number) => number {
  const sixteen = channel.bits === 16 || channel.data.length >= channel.entries * 2;
  const shift = channel.bits > 8 ? channel.bits - 8 : 0;
  const entry = (i: number): number => (sixteen ? channel.data.readUInt16LE(i * 2) >> shift : (channel.data[i] as number));
  return (value) => entry(Math.min(channel.entries - 1, Math.max(0, value - channel.firstMapped)));
}
