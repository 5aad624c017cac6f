import { parseAccept, rangeCovers, type MediaRange } from '@tessera/multipart';
import { RenderError, RenderErrorCode } from './render-error';
import type { VoiFunction, Window } from './rendering-attributes';
import type { Viewport } from './viewport';

/** The rendered media types Tessera produces (PS3.18 8.7.4). */
export type RenderedMediaType = 'image/jpeg' | 'image/png';
export const RENDERED_MEDIA_TYPES: readonly RenderedMediaType[] = ['image/jpeg', 'image/png'];

/** How to render: media type, and the optional window, viewport and quality. */
export interface RenderOptions {
  readonly mediaType: RenderedMediaType;
  /** 1–100, for the lossy media type (PS3.18 8.3.5.1.2). */
  readonly quality: number;
  readonly window?: Window;
  readonly viewport?: Viewport;
}

/** Query parameters as the HTTP edge parsed them: a repeated parameter is an array. */
export type QueryParameters = Readonly<Record<string, string | readonly string[] | undefined>>;

const DEFAULT_QUALITY = 90;
const FUNCTIONS: Record<string, VoiFunction> = { linear: 'LINEAR', 'linear-exact': 'LINEAR_EXACT', sigmoid: 'SIGMOID' };
const RENDERED_PARAMETERS = new Set(['accept', 'annotation', 'quality', 'viewport', 'window', 'iccprofile', 'charset']);

const bad = (message: string) => new RenderError(RenderErrorCode.BadParameter, message);

/** One value of a query parameter; a repeated one is refused. */
export function single(query: QueryParameters, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw bad(`The query parameter "${name}" is given more than once`);
  return value;
}

/**
 * The rendering of a WADO-RS rendered or thumbnail request (PS3.18 8.3.5.1): the media type from the
 * Accept header (image/jpeg when any will do, PS3.18 8.7.4), `quality`, `viewport` and `window`.
 * `annotation` is accepted and nothing is burnt in; `iccprofile` accepts "no" only.
 */
export function parseRenderedQuery(query: QueryParameters, accept: string | string[] | undefined): RenderOptions {
  for (const name of Object.keys(query)) if (!RENDERED_PARAMETERS.has(name)) throw bad(`"${name}" is not a query parameter of rendered resources (PS3.18 8.3.5.1)`);
  const annotation = single(query, 'annotation');
  if (annotation !== undefined && !annotation.split(',').every((a) => a === 'patient' || a === 'technique')) throw bad(`annotation "${annotation}": the values are "patient" and "technique" (PS3.18 8.3.5.1.1)`);
  const icc = single(query, 'iccprofile');
  if (icc !== undefined && icc !== 'no') throw bad(`iccprofile "${icc}": Tessera embeds no ICC profile, so only "no" is accepted`);
  const quality = single(query, 'quality');
  const viewport = single(query, 'viewport');
  const window = single(query, 'window');
  return {
    mediaType: renderedMediaType(parseAccept(single(query, 'accept') ?? accept)),
    quality: quality === undefined ? DEFAULT_QUALITY : parseQuality(quality, 'quality'),
    window: window === undefined ? undefined : parseWindow(window),
    viewport: viewport === undefined ? undefined : parseViewport(viewport),
  };
}

/** The first rendered media type the ranges accept, bare or as the parts of multipart/related. */
export function renderedMediaType(ranges: readonly MediaRange[]): RenderedMediaType {
  for (const range of ranges) {
    const part = range.type === 'multipart/related' ? { type: (range.params.type ?? '').toLowerCase(), params: {}, q: 1 } : range;
    const type = RENDERED_MEDIA_TYPES.find((t) => rangeCovers(part, t));
    if (type) return type;
  }
  throw new RenderError(RenderErrorCode.NotAcceptable, `Rendered representations are available as ${RENDERED_MEDIA_TYPES.join(' and ')}`);
}

export function parseQuality(text: string, name: string): number {
  const value = Number(text);
  if (!/^\d{1,3}$/.test(text) || value < 1 || value > 100) throw bad(`${name} "${text}" is not an integer from 1 to 100`);
  return value;
}

function number(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw bad(`${what} "${text}" is not a number`);
  return value;
}

/** window=center,width[,function] (PS3.18 8.3.5.1.4). */
export function parseWindow(text: string): Window {
  const parts = text.split(',');
  if (parts.length < 2 || parts.length > 3) throw bad(`window "${text}" is not center,width[,function] (PS3.18 8.3.5.1.4)`);
  const fnText = (parts[2] ?? 'linear').toLowerCase();
  const fn = FUNCTIONS[fnText];
  if (!fn) throw bad(`window function "${parts[2]}" is not linear, linear-exact or sigmoid`);
  return checkedWindow(number(parts[0] as string, 'window center'), number(parts[1] as string, 'window width'), fn);
}

export function checkedWindow(center: number, width: number, fn: VoiFunction): Window {
  // LINEAR needs a width of at least 1, the others above 0 (PS3.3 C.11.2.1.2.1, C.11.2.1.3).
  if (fn === 'LINEAR' ? width < 1 : width <= 0) throw bad(`window width ${width} is too small for ${fn.toLowerCase()}`);
  return { center, width, fn };
}

/** viewport=vw,vh[,sx,sy,sw,sh] (PS3.18 8.3.5.1.3); either of vw and vh may be empty. */
export function parseViewport(text: string): Viewport {
  const parts = text.split(',');
  if (parts.length !== 2 && parts.length !== 6) throw bad(`viewport "${text}" is not vw,vh or vw,vh,sx,sy,sw,sh (PS3.18 8.3.5.1.3)`);
  const size = (t: string, what: string): number | undefined => {
    if (t === '') return undefined;
    if (!/^\d{1,5}$/.test(t) || Number(t) < 1) throw bad(`viewport ${what} "${t}" is not a whole number from 1 to 99999`);
    return Number(t);
  };
  const width = size(parts[0] as string, 'width');
  const height = size(parts[1] as string, 'height');
  if (width === undefined && height === undefined) throw bad('viewport needs a width, a height or both');
  if (parts.length === 2) return { width, height };
  const [sx, sy, sw, sh] = parts.slice(2).map((p, i) => number(p, ['sx', 'sy', 'sw', 'sh'][i] as string)) as [number, number, number, number];
  // Negative sw or sh asks for a flipped image, which Tessera does not render.
  if (sw <= 0 || sh <= 0) throw bad(`viewport sw and sh must be above 0 (flipping is not supported)`);
  return { width, height, region: { unit: 'pixel', left: sx, top: sy, width: sw, height: sh } };
}
