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
 * Throws when a part fails or `out` goes away, after letting go of the part being written and those
 * opened ahead; `out` is then left for the caller to end or destroy.
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
    // The part being written (which may not have been read from yet) and those opened ahead of it.
    for (const opened of opening.slice(current)) void opened?.then((stream) => stream.destroy(), () => undefined);
    throw err;
  }
}

/**
 * Writes one chunk, waiting for `out` to drain when it asks to; throws when `out` has gone away, also
 * while waiting: a body the client stopped reading is destroyed without ever draining, and the part
 * being written (an object store response) has to be let go of then.
 */
export async function writeChunk(out: Writable, data: Buffer): Promise<void> {
  if (out.destroyed) throw new Error('the client went away');
  if (out.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error): void => {
      out.off('drain', onDrain).off('close', onClose).off('error', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => settle();
    const onClose = (): void => settle(new Error('the client went away'));
    out.on('drain', onDrain).on('close', onClose).on('error', onClose);
  });
}
