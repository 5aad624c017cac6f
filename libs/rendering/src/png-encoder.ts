import { crc32, deflateSync } from 'node:zlib';
import type { DisplayImage } from './display';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Encodes an 8-bit grey or RGB image as PNG (ISO/IEC 15948: IHDR, one zlib IDAT, IEND). */
export function encodePng(image: DisplayImage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8; // bit depth
  header[9] = image.channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // compression 0, filter method 0, interlace 0
  const stride = image.width * image.channels;
  const raw = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) {
    // Filter type 1 (Sub) on every row: smooth medical images compress better than unfiltered.
    const row = y * (stride + 1);
    raw[row] = 1;
    for (let i = 0; i < stride; i++) {
      const left = i >= image.channels ? (image.pixels[y * stride + i - image.channels] as number) : 0;
      raw[row + 1 + i] = ((image.pixels[y * stride + i] as number) - left) & 0xff;
    }
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
