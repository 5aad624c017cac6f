/** What a Range header asks of a representation of `size` bytes (RFC 9110 14.2). */
export type RangeRequest =
  /** No Range, one that is not bytes or not valid (ignored, RFC 9110 14.2), or several ranges (served whole). */
  | { readonly kind: 'none' }
  /** One satisfiable range, inclusive, clipped to the representation. */
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  /** A single range that lies wholly outside the representation: 416. */
  | { readonly kind: 'unsatisfiable' };

const SINGLE = /^bytes=\s*(\d*)-(\d*)\s*$/i;

/** Reads a Range header: one byte range (first-last, first-, or -suffix) is honoured; anything else is not. */
export function parseByteRange(header: string | string[] | undefined, size: number): RangeRequest {
  if (typeof header !== 'string') return { kind: 'none' };
  const match = SINGLE.exec(header);
  if (!match) return { kind: 'none' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'none' };
  if (first === '') {
    // A suffix range: the last N bytes (RFC 9110 14.1.2); N = 0 cannot be satisfied.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Number(last);
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}
