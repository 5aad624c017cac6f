import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { MultipartWriter } from './multipart-writer';
import { writeParts, type PartSource } from './write-parts';

// Parts whose opening is observed: when each was opened, relative to the parts written before it.
function observed(bodies: readonly string[], failAt?: number) {
  const opened: number[] = [];
  const destroyed: number[] = [];
  let written = 0;
  const parts: PartSource[] = bodies.map((text, i) => ({
    headers: { 'Content-Type': 'application/dicom' },
    open: async () => {
      opened.push(i);
      if (i === failAt) throw new Error(`part ${i} cannot be read`);
      const stream = Readable.from([Buffer.from(text)]);
      stream.once('end', () => (written += 1));
      stream.once('close', () => {
        if (!stream.readableEnded) destroyed.push(i);
      });
      return stream;
    },
  }));
  return { parts, opened, destroyed, written: () => written };
}

describe('writeParts', () => {
  it('writes every part in order and closes the body, opening at most a few parts ahead of the one written', async () => {
    const writer = new MultipartWriter();
    const out = new PassThrough();
    const o = observed(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    const aheadAtOpen: number[] = [];
    const parts = o.parts.map((p, i) => ({ ...p, open: () => (aheadAtOpen.push(i - o.written()), p.open()) }));
    const [body] = await Promise.all([buffer(out), writeParts(out, writer, parts, 3).then(() => out.end())]);
    const text = body.toString('latin1');
    expect(text.split(`--${writer.boundary}`).slice(1, -1).map((p) => p.split('\r\n\r\n')[1]?.replace(/\r\n$/, ''))).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(text.endsWith(`--${writer.boundary}--\r\n`)).toBe(true);
    expect(o.opened).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Math.max(...aheadAtOpen)).toBe(3);
  });

  it('throws when a part cannot be opened, and lets go of the parts opened ahead of it', async () => {
    const out = new PassThrough();
    out.resume();
    const o = observed(['a', 'b', 'c', 'd', 'e', 'f'], 2);
    await expect(writeParts(out, new MultipartWriter(), o.parts, 3)).rejects.toThrow('part 2 cannot be read');
    await new Promise((resolve) => setImmediate(resolve));
    expect(o.destroyed.sort()).toEqual([3, 4, 5]);
  });

  it('throws when the client goes away while it waits for the body to drain, and lets go of the part being written', async () => {
    // A body nobody reads: the first large part fills it, then the client disconnects.
    const out = new PassThrough({ highWaterMark: 16 });
    let current: Readable | undefined;
    const parts: PartSource[] = [0, 1].map(() => ({
      headers: { 'Content-Type': 'application/dicom' },
      open: async () => (current = Readable.from((function* () {
        for (let i = 0; i < 100; i++) yield Buffer.alloc(1024);
      })())),
    }));
    const writing = writeParts(out, new MultipartWriter(), parts, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    out.destroy();
    await expect(writing).rejects.toThrow('the client went away');
    expect(current?.destroyed).toBe(true);
  });
});
