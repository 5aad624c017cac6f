import type { DisplayImage } from './display';
import { RenderError, RenderErrorCode } from './render-error';

/** The part of the image to show, in source pixels or as fractions of its width and height. */
export interface Region {
  readonly unit: 'pixel' | 'fraction';
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Output size: either dimension may be left for the aspect ratio to decide (PS3.18 8.3.5.1.3). */
export interface Viewport {
  readonly width?: number;
  readonly height?: number;
  readonly region?: Region;
}

/**
 * Crops to the region and scales the result to fit the viewport with its aspect ratio kept
 * (PS3.18 8.3.5.1.3, 9.2.x rows/columns/region), averaging the covered source area of each output
 * pixel, so shrinking does not alias.
 */
export function applyViewport(image: DisplayImage, viewport: Viewport | undefined): DisplayImage {
  if (!viewport) return image;
  const box = sourceBox(image, viewport.region);
  const scale = Math.min(viewport.width !== undefined ? viewport.width / box.width : Infinity, viewport.height !== undefined ? viewport.height / box.height : Infinity);
  const factor = Number.isFinite(scale) ? scale : 1;
  const width = Math.max(1, Math.round(box.width * factor));
  const height = Math.max(1, Math.round(box.height * factor));
  if (width === image.width && height === image.height && box.left === 0 && box.top === 0) return image;
  return resample(image, box, width, height);
}

interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

function sourceBox(image: DisplayImage, region: Region | undefined): Box {
  if (!region) return { left: 0, top: 0, width: image.width, height: image.height };
  const sx = region.unit === 'fraction' ? image.width : 1;
  const sy = region.unit === 'fraction' ? image.height : 1;
  const box = { left: region.left * sx, top: region.top * sy, width: region.width * sx, height: region.height * sy };
  if (box.width <= 0 || box.height <= 0 || box.left < 0 || box.top < 0 || box.left + box.width > image.width + 1e-9 || box.top + box.height > image.height + 1e-9) {
    throw new RenderError(RenderErrorCode.BadParameter, `The region ${region.left},${region.top},${region.width},${region.height} is not inside the ${image.width}×${image.height} image`);
  }
  return box;
}

/** Area-averaging resampling of a box of the image to width × height (separable: rows, then columns). */
function resample(image: DisplayImage, box: Box, width: number, height: number): DisplayImage {
  const ch = image.channels;
  const columns = weights(box.left, box.width, width);
  const rows = weights(box.top, box.height, height);
  const firstRow = Math.floor(box.top);
  const lastRow = Math.min(image.height, Math.ceil(box.top + box.height));
  // Horizontal pass over the source rows the box touches.
  const across = new Float64Array((lastRow - firstRow) * width * ch);
  for (let y = firstRow; y < lastRow; y++) {
    for (let x = 0; x < width; x++) {
      const { from, w } = columns[x] as Span;
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let k = 0; k < w.length; k++) sum += (w[k] as number) * (image.pixels[(y * image.width + from + k) * ch + c] as number);
        across[((y - firstRow) * width + x) * ch + c] = sum;
      }
    }
  }
  const out = new Uint8Array(width * height * ch);
  for (let y = 0; y < height; y++) {
    const { from, w } = rows[y] as Span;
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < ch; c++) {
        let sum = 0;
        for (let k = 0; k < w.length; k++) sum += (w[k] as number) * (across[((from + k - firstRow) * width + x) * ch + c] as number);
        out[(y * width + x) * ch + c] = Math.min(255, Math.max(0, Math.round(sum)));
      }
    }
  }
  return { width, height, channels: ch, pixels: out };
}

interface Span {
  readonly from: number;
  readonly w: readonly number[];
}

// For each output pixel, the source pixels its footprint covers and the share of each (summing to 1).
function weights(start: number, extent: number, size: number): Span[] {
  const step = extent / size;
  const spans: Span[] = [];
  for (let i = 0; i < size; i++) {
    const a = start + i * step;
    const b = a + step;
    const from = Math.floor(a);
    const w: number[] = [];
    for (let p = from; p < b; p++) w.push((Math.min(b, p + 1) - Math.max(a, p)) / step);
    spans.push({ from, w });
  }
  return spans;
}
