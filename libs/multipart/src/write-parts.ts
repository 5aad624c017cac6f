import type { Readable, Writable } from 'node:stream';
import type { MultipartWriter } from './multipart-writer';

/** One part of a multipart/related body, opened only when (or shortly before) its turn comes. */
export interface PartSource {
  readonly headers: Readonly<Record<string, string>>;
  open(): Promise<Readable>;
}

/**
 * Writes parts one after another into `out`, with backpressure from it, and the closing delimiter
 * (RFC 2387). Opening a part may cost a round trip (an S3 GET until its first byte), so the next
 * `openAhead` parts are opened while one is written, and a series does not wait for each in turn.
 * Throws when a part fails or `out` goes away, after letting go of the parts opened ahead; `out` is
 * then left for the caller to end or destroy.
 */
export async function writeParts(out: Writable, writer: MultipartWriter, parts: readonly PartSource[], openAhead = 4): Promise<void> {
  const opening: Promise<Readable>[] = [];
  const open = (i: number): Promise<Readable> => {
    if (opening[i] === undefined) {
      opening[i] = (parts[i] as PartSource).open();
      opening[i].catch(() => undefined); // awaited in its turn, or let go below
    }
    return opening[i];
  };
  let current = 0;
  try {
    for (; current < parts.length; current += 1) {
      const source = open(current);
      for (let next = current + 1; next <= Math.min(current + openAhead, parts.length - 1); next += 1) void open(next);
      await writeChunk(out, writer.partHeader((parts[current] as PartSource).headers));
      for await (const chunk of await source) await writeChunk(out, chunk as Buffer);
      await writeChunk(out, writer.partEnd());
    }
    await writeChunk(out, writer.close());
  } catch (err) {
    for (const later of opening.slice(current + 1)) void later?.then((stream) => stream.destroy(), () => undefined);
    throw err;
  }
}

/** Writes one chunk, waiting for `out` to drain when it asks to; throws when `out` has gone away. */
export async function writeChunk(out: Writable, data: Buffer): Promise<void> {
  if (out.destroyed) throw new Error('the client went away');
  if (!out.write(data)) await new Promise<void>((resolve) => out.once('drain', resolve));
}
