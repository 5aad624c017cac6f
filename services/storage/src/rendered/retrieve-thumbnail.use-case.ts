import type { InstanceIndex } from '@tessera/index-store';
import { RenderError, RenderErrorCode, type RenderedImage, type RenderOptions } from '@tessera/rendering';
import { imageInstances, type ImageInstance, type InstanceRenderer } from './instance-renderer';
import type { RenderedTarget } from './retrieve-rendered.use-case';

export type ThumbnailResult = { readonly kind: 'thumbnail'; readonly image: RenderedImage } | { readonly kind: 'not-found'; readonly message: string } | { readonly kind: 'failed'; readonly error: RenderError };

/** The size a thumbnail fits in when the request names no viewport. */
export const THUMBNAIL_SIZE = 128;

/**
 * WADO-RS thumbnails (PS3.18 10.4, Supplement 203): one representative image, chosen by the
 * origin server — the middle image instance of a series (of the study's first series with images),
 * the first frame of an instance or the first listed frame — fitted in 128×128 unless the request
 * gives a viewport. Smaller images are not enlarged.
 */
export class RetrieveThumbnailUseCase {
  constructor(
    private readonly index: Pick<InstanceIndex, 'metadata'>,
    private readonly renderer: InstanceRenderer,
  ) {}

  async execute(tenant: string, target: RenderedTarget, options: RenderOptions): Promise<ThumbnailResult> {
    const { found, images } = await imageInstances(this.index, tenant, target);
    if (!found) return { kind: 'not-found', message: 'No such study, series or instance' };
    const chosen = representative(images);
    if (!chosen) return { kind: 'failed', error: new RenderError(RenderErrorCode.NotRenderable, 'None of the addressed instances is an image') };
    const frame = target.frames?.[0] ?? 1;
    if (frame > chosen.numberOfFrames) return { kind: 'not-found', message: `Instance ${chosen.ids.instance} has ${chosen.numberOfFrames} frame(s), not frame ${frame}` };
    const rows = Number(chosen.metadata['00280010']?.Value?.[0]);
    const columns = Number(chosen.metadata['00280011']?.Value?.[0]);
    const viewport = options.viewport ?? { width: Math.min(THUMBNAIL_SIZE, columns), height: Math.min(THUMBNAIL_SIZE, rows) };
    try {
      const image = await this.renderer.render(tenant, chosen, frame, { ...options, viewport });
      if (!image) return { kind: 'failed', error: new RenderError(RenderErrorCode.NotRenderable, `Frame ${frame} of ${chosen.ids.instance} is not in the object store`) };
      return { kind: 'thumbnail', image };
    } catch (err) {
      if (err instanceof RenderError) return { kind: 'failed', error: err };
      throw err;
    }
  }
}

function representative(images: readonly ImageInstance[]): ImageInstance | undefined {
  const series = images.filter((i) => i.ids.series === images[0]?.ids.series);
  return series[Math.floor((series.length - 1) / 2)];
}
