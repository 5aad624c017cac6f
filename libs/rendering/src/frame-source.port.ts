import type { ImagePixel } from '@tessera/codecs';

/** One stored frame: its transfer syntax, the image it belongs to, and its bytes as stored. */
export interface SourceFrame {
  readonly transferSyntaxUID: string;
  readonly image: ImagePixel;
  /** Native pixel bytes of this one frame (stored byte order), or the frame's whole code stream. */
  readonly data: Buffer;
}

/** Where frames come from: the storage role reads them from the object store with the frame offset index. */
export interface FrameSource {
  /** Frame numbers count from 1; undefined when the instance or the frame does not exist. */
  frame(tenant: string, ids: { readonly study: string; readonly series: string; readonly instance: string }, frameNumber: number): Promise<SourceFrame | undefined>;
}

/** An in-memory FrameSource for tests: frames put by tenant, instance and number. */
export class InMemoryFrameSource implements FrameSource {
  private readonly frames = new Map<string, SourceFrame>();

  put(tenant: string, instance: string, frameNumber: number, frame: SourceFrame): void {
    this.frames.set(`${tenant}/${instance}/${frameNumber}`, frame);
  }

  frame(tenant: string, ids: { readonly instance: string }, frameNumber: number): Promise<SourceFrame | undefined> {
    return Promise.resolve(this.frames.get(`${tenant}/${ids.instance}/${frameNumber}`));
  }
}
