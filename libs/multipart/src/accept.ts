import { parseMediaType } from './multipart-related';

/** One media range of an Accept header (RFC 9110 12.5.1). */
export interface MediaRange {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
  readonly q: number;
}

/** The media ranges of an Accept header, best first; a missing header accepts anything. */
export function parseAccept(header: string | string[] | undefined): MediaRange[] {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text || text.trim() === '') return [{ type: '*/*', params: {}, q: 1 }];
  const ranges: MediaRange[] = [];
  // Split on commas that are not inside quoted parameter values.
  for (const part of text.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
    const { type, params } = parseMediaType(part);
    if (!type) continue;
    const { q: qText, ...rest } = params;
    const q = qText === undefined ? 1 : Number(qText);
    ranges.push({ type, params: rest, q: Number.isFinite(q) ? q : 0 });
  }
  return ranges.filter((r) => r.q > 0).sort((a, b) => b.q - a.q);
}

/** Whether a media range covers a concrete media type. */
export function rangeCovers(range: MediaRange, type: string): boolean {
  if (range.type === '*/*') return true;
  const [major] = type.split('/');
  return range.type === type || range.type === `${major}/*`;
}
