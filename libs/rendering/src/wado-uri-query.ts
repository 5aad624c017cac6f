import { parseAccept } from '@tessera/multipart';
import { RenderError, RenderErrorCode } from './render-error';
import { checkedWindow, parseQuality, renderedMediaType, single, type QueryParameters, type RenderOptions } from './render-options';
import type { Viewport } from './viewport';

/** What a WADO-URI request asks for (PS3.18 Chapter 9): the object as DICOM, or one frame of it rendered. */
export type WadoUriRequest =
  | { readonly kind: 'dicom'; readonly ids: WadoUriIds; readonly transferSyntaxUID: string }
  | { readonly kind: 'rendered'; readonly ids: WadoUriIds; readonly frameNumber: number; readonly options: RenderOptions }
  /** No contentType: image/jpeg for an image, application/dicom otherwise (PS3.18 Chapter 9). */
  | { readonly kind: 'default'; readonly ids: WadoUriIds; readonly frameNumber: number; readonly options: RenderOptions; readonly transferSyntaxUID: string };

export interface WadoUriIds {
  readonly study: string;
  readonly series: string;
  readonly instance: string;
}

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const KNOWN = new Set(['requestType', 'studyUID', 'seriesUID', 'objectUID', 'contentType', 'charset', 'anonymize', 'annotation', 'rows', 'columns', 'region', 'windowCenter', 'windowWidth', 'frameNumber', 'imageQuality', 'presentationUID', 'presentationSeriesUID', 'transferSyntax']);
const RENDERING_ONLY = ['annotation', 'rows', 'columns', 'region', 'windowCenter', 'windowWidth', 'frameNumber', 'imageQuality'];

const bad = (message: string) => new RenderError(RenderErrorCode.BadParameter, message);

/**
 * Parses a WADO-URI query (PS3.18 Chapter 9). contentType lists acceptable types; application/dicom
 * returns the object (in transferSyntax, default Explicit VR Little Endian), image/jpeg and image/png
 * a rendered frame with rows/columns, region, windowCenter/windowWidth, frameNumber and imageQuality.
 * Presentation states and anonymize are not supported and are refused rather than ignored.
 */
export function parseWadoUriQuery(query: QueryParameters): WadoUriRequest {
  for (const name of Object.keys(query)) if (!KNOWN.has(name)) throw bad(`"${name}" is not a WADO-URI query parameter (PS3.18 Chapter 9)`);
  if (single(query, 'requestType') !== 'WADO') throw bad('requestType must be WADO (PS3.18 Chapter 9)');
  const uid = (name: string): string => {
    const value = single(query, name);
    if (!value) throw bad(`${name} is required (PS3.18 Chapter 9)`);
    return value;
  };
  const ids = { study: uid('studyUID'), series: uid('seriesUID'), instance: uid('objectUID') };
  for (const name of ['presentationUID', 'presentationSeriesUID']) if (query[name] !== undefined) throw bad(`${name}: Tessera does not apply presentation states to WADO-URI renderings`);
  if (query.anonymize !== undefined) throw bad('anonymize: Tessera does not de-identify WADO-URI responses');
  const contentType = single(query, 'contentType');
  const transferSyntaxUID = single(query, 'transferSyntax') ?? EXPLICIT_VR_LITTLE_ENDIAN;
  const types = contentType === undefined ? [] : parseAccept(contentType).map((r) => r.type);
  const wantsDicom = types.length > 0 && types[0] === 'application/dicom';
  if (wantsDicom) {
    const rendering = RENDERING_ONLY.filter((name) => query[name] !== undefined);
    if (rendering.length > 0) throw bad(`${rendering.join(', ')} apply to rendered images, not to contentType application/dicom (PS3.18 Chapter 9)`);
    return { kind: 'dicom', ids, transferSyntaxUID };
  }
  if (query.transferSyntax !== undefined) throw bad('transferSyntax applies to contentType application/dicom only (PS3.18 Chapter 9)');
  const options = renderOptions(query, contentType);
  const frameText = single(query, 'frameNumber');
  if (frameText !== undefined && (!/^\d{1,9}$/.test(frameText) || Number(frameText) < 1)) throw bad(`frameNumber "${frameText}" is not a frame number (from 1)`);
  const frameNumber = frameText === undefined ? 1 : Number(frameText);
  return contentType === undefined ? { kind: 'default', ids, frameNumber, options, transferSyntaxUID } : { kind: 'rendered', ids, frameNumber, options };
}

function renderOptions(query: QueryParameters, contentType: string | undefined): RenderOptions {
  const annotation = single(query, 'annotation');
  if (annotation !== undefined && !annotation.split(',').every((a) => a === 'patient' || a === 'technique')) throw bad(`annotation "${annotation}": the values are "patient" and "technique"`);
  const center = single(query, 'windowCenter');
  const width = single(query, 'windowWidth');
  if ((center === undefined) !== (width === undefined)) throw bad('windowCenter and windowWidth go together (PS3.18 Chapter 9)');
  const decimal = (text: string, name: string): number => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw bad(`${name} "${text}" is not a decimal number`);
    return Number(text);
  };
  const quality = single(query, 'imageQuality');
  return {
    mediaType: renderedMediaType(parseAccept(contentType ?? 'image/jpeg')),
    quality: quality === undefined ? 90 : parseQuality(quality, 'imageQuality'),
    window: center !== undefined && width !== undefined ? checkedWindow(decimal(center, 'windowCenter'), decimal(width, 'windowWidth'), 'LINEAR') : undefined,
    viewport: viewport(query),
  };
}

function viewport(query: QueryParameters): Viewport | undefined {
  const size = (name: string): number | undefined => {
    const text = single(query, name);
    if (text === undefined) return undefined;
    if (!/^\d{1,5}$/.test(text) || Number(text) < 1) throw bad(`${name} "${text}" is not a whole number from 1 to 99999`);
    return Number(text);
  };
  const rows = size('rows');
  const columns = size('columns');
  const regionText = single(query, 'region');
  let region: Viewport['region'];
  if (regionText !== undefined) {
    // xmin,ymin,xmax,ymax as fractions of the image, 0.0 to 1.0 (PS3.18 Chapter 9).
    const v = regionText.split(',').map(Number);
    const [x0, y0, x1, y1] = v as [number, number, number, number];
    if (v.length !== 4 || v.some((n) => !Number.isFinite(n) || n < 0 || n > 1) || x1 <= x0 || y1 <= y0) throw bad(`region "${regionText}" is not xmin,ymin,xmax,ymax with 0 ≤ min < max ≤ 1`);
    region = { unit: 'fraction', left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
  }
  if (rows === undefined && columns === undefined && !region) return undefined;
  // Without rows or columns a region keeps its own size in pixels.
  return rows === undefined && columns === undefined ? { region, width: undefined, height: undefined } : { width: columns, height: rows, region };
}
