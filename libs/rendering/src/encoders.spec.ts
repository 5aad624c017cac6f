import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';
import type { DisplayImage } from './display';
import { encodeJpeg, jpegModule } from './jpeg-encoder';
import { encodePng } from './png-encoder';

const gradient = (width: number, height: number, channels: 1 | 3): DisplayImage => {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + Math.floor(i / width)) & 0xff;
  return { width, height, channels, pixels };
};
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

// Reads a PNG back by the book (ISO/IEC 15948): chunks with their CRCs, one IDAT, each row's filter undone.
function readPng(png: Buffer): DisplayImage {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks = new Map<string, Buffer>();
  for (let p = 8; p < png.length; ) {
    const length = png.readUInt32BE(p);
    const type = png.toString('latin1', p + 4, p + 8);
    expect(png.readUInt32BE(p + 8 + length)).toBe(crc32(png.subarray(p + 4, p + 8 + length)));
    chunks.set(type, png.subarray(p + 8, p + 8 + length));
    p += 12 + length;
  }
  const header = chunks.get('IHDR') as Buffer;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const channels = header[9] === 0 ? 1 : 3;
  expect(chunks.has('IEND')).toBe(true);
  const raw = inflateSync(chunks.get('IDAT') as Buffer);
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const value = raw[y * (stride + 1) + 1 + i] as number;
      const left = filter === 1 && i >= channels ? (pixels[y * stride + i - channels] as number) : 0;
      pixels[y * stride + i] = (value + left) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

describe('PNG encoding', () => {
  it.each([1, 3] as const)('decodes back to the same %i-channel pixels', (channels) => {
    const image = gradient(37, 21, channels);
    const back = readPng(encodePng(image));
    expect({ width: back.width, height: back.height, channels: back.channels }).toEqual({ width: 37, height: 21, channels });
    expect(sha(back.pixels)).toBe(sha(image.pixels));
  });
});

describe('JPEG encoding', () => {
  async function decode(jpeg: Buffer) {
    const { JPEGDecoder } = await jpegModule();
    const decoder = new JPEGDecoder();
    try {
      decoder.getEncodedBuffer(jpeg.length).set(jpeg);
      decoder.readHeader();
      decoder.decode();
      return { info: decoder.getFrameInfo(), pixels: decoder.getDecodedBuffer().slice() };
    } finally {
      decoder.delete();
    }
  }
  const meanError = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - (b[i] as number)), 0) / a.length;

  it.each([1, 3] as const)('encodes %i-channel images that libjpeg decodes back closely, and quality changes the size', async (channels) => {
    const image = gradient(64, 48, channels);
    const high = await encodeJpeg(image, 95);
    const low = await encodeJpeg(image, 10);
    expect(high.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(low.length).toBeLessThan(high.length);
    const { info, pixels } = await decode(high);
    expect([info.width, info.height, info.componentCount]).toEqual([64, 48, channels]);
    expect(meanError(pixels, image.pixels)).toBeLessThan(8);
  });

  it('encodes small images without overrunning the encoder buffer, and refuses the tiniest', async () => {
    for (const [w, h, c] of [[16, 16, 1], [8, 8, 3], [3, 200, 1]] as const) {
      const { info } = await decode(await encodeJpeg({ width: w, height: h, channels: c, pixels: new Uint8Array(w * h * c).map((_, i) => (i * 97) & 0xff) }, 100));
      expect([info.width, info.height]).toEqual([w, h]);
    }
    await expect(encodeJpeg({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(4) }, 90)).rejects.toThrow('too small to encode as JPEG');
  });
});
