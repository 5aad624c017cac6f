import { pixelCodecFor, type ImagePixel } from '@tessera/codecs';
import { lookupTransferSyntax } from '@tessera/dicom';
import type { MediaRange } from '@tessera/multipart';
import { frameDelivery } from './frame-media-type';
import type { LocatedFrames, StoredFrameSource } from './stored-frame-source';

/** One frame to send: its part's Content-Type, and its bytes, read when its turn comes. */
export interface FramePart {
  readonly contentType: string;
  read(): Promise<Buffer>;
}

export type FramesResult =
  | { readonly kind: 'frames'; readonly partType: string; readonly parts: readonly FramePart[] }
  | { readonly kind: 'bad-request' | 'not-found' | 'not-acceptable'; readonly message: string };

// The frame list of …/frames/{frameList}: frame numbers from 1, separated by commas (PS3.18 10.4.1).
const FRAME_LIST = /^[1-9]\d{0,9}(,[1-9]\d{0,9})*$/;
const MAX_FRAMES_PER_REQUEST = 10_000;

/**
 * WADO-RS Retrieve Frames (PS3.18 10.4, 8.7.3.3): the listed frames of one instance, each read by one
 * byte-range read through the frame index, sent as stored or decoded to native as the request accepts.
 */
export class RetrieveFramesUseCase {
  constructor(private readonly source: StoredFrameSource) {}

  async execute(tenant: string, ids: { study: string; series: string; instance: string }, frameList: string, accept: readonly MediaRange[]): Promise<FramesResult> {
    if (!FRAME_LIST.test(frameList)) return { kind: 'bad-request', message: `"${frameList}" is not a list of frame numbers (1, 2, … separated by commas)` };
    const numbers = frameList.split(',').map(Number);
    if (numbers.length > MAX_FRAMES_PER_REQUEST) return { kind: 'bad-request', message: `At most ${MAX_FRAMES_PER_REQUEST} frames per request` };
    const located = await this.source.locate(tenant, ids);
    if (!located) return { kind: 'not-found', message: 'No such instance' };
    const { index } = located;
    if (index.kind === 'none') return { kind: 'not-found', message: `The instance has no frames to send: ${index.reason}` };
    const beyond = numbers.find((n) => n > index.image.numberOfFrames);
    if (beyond !== undefined) return { kind: 'not-found', message: `Frame ${beyond} does not exist: the instance has ${index.image.numberOfFrames}` };
    const delivery = frameDelivery(accept, located.object.transferSyntaxUID, index.image);
    if (delivery.kind === 'not-acceptable') return { kind: 'not-acceptable', message: delivery.reason };
    const read = delivery.kind === 'native' ? this.nativeReader(located, index.image, delivery.decode) : (n: number) => this.stored(located, n);
    return {
      kind: 'frames',
      partType: delivery.contentType.split(';')[0] as string,
      parts: numbers.map((n) => ({ contentType: delivery.contentType, read: () => read(n) })),
    };
  }

  private async stored(located: LocatedFrames, n: number): Promise<Buffer> {
    const frame = await this.source.read(located, n);
    if (!frame) throw new Error(`Frame ${n} vanished from the index`);
    return frame.data;
  }

  // Native frames in Explicit VR Little Endian: decoded from a code stream, or byte-swapped from a
  // Big Endian data set (PS3.5 7.3), or as stored.
  private nativeReader(located: LocatedFrames, image: ImagePixel, decode: boolean): (n: number) => Promise<Buffer> {
    const syntax = located.object.transferSyntaxUID;
    if (decode) {
      const codec = pixelCodecFor(syntax);
      if (!codec) throw new Error(`No decoder for ${syntax}`);
      return async (n) => {
        const decoder = await codec.load();
        const pixels = decoder(await this.stored(located, n), image).pixels;
        return Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
      };
    }
    const bigEndian = lookupTransferSyntax(syntax)?.littleEndian === false;
    if (!bigEndian || image.bitsAllocated <= 8) return (n) => this.stored(located, n);
    return async (n) => {
      const data = Buffer.from(await this.stored(located, n));
      if (image.bitsAllocated === 16) data.swap16();
      else if (image.bitsAllocated === 32) data.swap32();
      else if (image.bitsAllocated === 64) data.swap64();
      return data;
    };
  }
}
