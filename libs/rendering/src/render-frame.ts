import { decodeFrame } from './decode-frame';
import { toDisplay } from './display';
import type { SourceFrame } from './frame-source.port';
import { encodeJpeg } from './jpeg-encoder';
import { encodePng } from './png-encoder';
import type { RenderOptions } from './render-options';
import type { RenderingAttributes } from './rendering-attributes';
import { applyViewport } from './viewport';

/** One rendered image and its media type. */
export interface RenderedImage {
  readonly mediaType: string;
  readonly body: Buffer;
}

/** Renders one stored frame: decoded, brought to display values, fitted to the viewport and encoded. */
export async function renderFrame(frame: SourceFrame, attributes: RenderingAttributes, options: RenderOptions): Promise<RenderedImage> {
  const decoded = await decodeFrame(frame, attributes.planarConfiguration);
  const image = applyViewport(toDisplay(decoded, attributes, options.window), options.viewport);
  switch (options.mediaType) {
    case 'image/jpeg':
      return { mediaType: 'image/jpeg', body: await encodeJpeg(image, options.quality) };
    case 'image/png':
      return { mediaType: 'image/png', body: encodePng(image) };
  }
}
