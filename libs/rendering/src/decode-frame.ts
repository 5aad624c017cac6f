import { CodecError, nativeFrameLength, pixelCodecFor, type ImagePixel } from '@tessera/codecs';
import type { SourceFrame } from './frame-source.port';
import { RenderError, RenderErrorCode } from './render-error';

/** One frame's pixels as native little-endian samples, colour by pixel, with the photometric interpretation they are in. */
export interface DecodedPixels {
  readonly image: ImagePixel;
  readonly photometricInterpretation: string;
  readonly pixels: Uint8Array;
}

const NATIVE_SYNTAXES = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2']);
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/**
 * Decodes a stored frame: encapsulated ones with their PixelCodec, native ones brought to little
 * endian (PS3.5 A.3), colour by pixel (Planar Configuration, PS3.3 C.7.6.3.1.3) and, for native
 * YBR_FULL_422, every pixel with its own chroma (PS3.3 C.7.6.3.1.2).
 */
export async function decodeFrame(frame: SourceFrame, planarConfiguration: number): Promise<DecodedPixels> {
  const image = frame.image;
  if (image.bitsAllocated !== 8 && image.bitsAllocated !== 16) {
    throw new RenderError(RenderErrorCode.NotRenderable, `Bits Allocated ${image.bitsAllocated}: only 8- and 16-bit images are rendered`);
  }
  if (image.samplesPerPixel !== 1 && image.samplesPerPixel !== 3) throw new RenderError(RenderErrorCode.NotRenderable, `Samples per Pixel ${image.samplesPerPixel}: only 1 or 3 are rendered`);
  const codec = pixelCodecFor(frame.transferSyntaxUID);
  if (codec) {
    const refusal = codec.refuses(image);
    if (refusal) throw new RenderError(RenderErrorCode.NotRenderable, `${codec.name} cannot decode this image: ${refusal}`);
    try {
      const decode = await codec.load();
      return { image, photometricInterpretation: codec.decodedPhotometric(image), pixels: decode(frame.data, image).pixels };
    } catch (err) {
      if (err instanceof CodecError) throw new RenderError(RenderErrorCode.NotRenderable, err.message);
      throw err;
    }
  }
  if (!NATIVE_SYNTAXES.has(frame.transferSyntaxUID)) throw new RenderError(RenderErrorCode.NotRenderable, `Tessera cannot decode pixel data of transfer syntax ${frame.transferSyntaxUID}`);
  const photometric = image.photometricInterpretation;
  const subsampled = photometric === 'YBR_FULL_422';
  // Native YBR_FULL_422 holds two samples of Y then one each of Cb and Cr per pair of pixels (PS3.3 C.7.6.3.1.2).
  const length = subsampled ? (image.rows * image.columns * 2 * image.bitsAllocated) / 8 : nativeFrameLength(image);
  if (frame.data.length < length) throw new RenderError(RenderErrorCode.NotRenderable, `The frame has ${frame.data.length} bytes where the attributes give ${length}`);
  let pixels: Uint8Array = frame.data.subarray(0, length);
  if (frame.transferSyntaxUID === BIG_ENDIAN && image.bitsAllocated === 16) pixels = Buffer.from(pixels).swap16();
  if (subsampled) return { image, photometricInterpretation: 'YBR_FULL', pixels: expand422(pixels, image) };
  if (image.samplesPerPixel === 3 && planarConfiguration === 1) pixels = byPixel(pixels, image);
  return { image, photometricInterpretation: photometric, pixels };
}

function expand422(pixels: Uint8Array, image: ImagePixel): Uint8Array {
  if (image.bitsAllocated !== 8) throw new RenderError(RenderErrorCode.NotRenderable, 'YBR_FULL_422 is rendered with 8-bit samples only');
  const count = image.rows * image.columns;
  const out = new Uint8Array(count * 3);
  for (let p = 0, i = 0; p < count; p += 2, i += 4) {
    const y1 = pixels[i] as number, y2 = pixels[i + 1] as number, cb = pixels[i + 2] as number, cr = pixels[i + 3] as number;
    out.set([y1, cb, cr], p * 3);
    if (p + 1 < count) out.set([y2, cb, cr], (p + 1) * 3);
  }
  return out;
}

function byPixel(planes: Uint8Array, image: ImagePixel): Uint8Array {
  const count = image.rows * image.columns;
  const width = image.bitsAllocated / 8;
  const out = new Uint8Array(planes.length);
  for (let s = 0; s < 3; s++) for (let p = 0; p < count; p++) for (let b = 0; b < width; b++) out[(p * 3 + s) * width + b] = planes[(s * count + p) * width + b] as number;
  return out;
}
