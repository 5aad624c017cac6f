import type { InstanceIndex } from '@tessera/index-store';
import { RenderError, RenderErrorCode, type RenderedImage, type RenderOptions } from '@tessera/rendering';
import { imageInstances, type InstanceRenderer } from './instance-renderer';

/** What a rendered request addresses: a study, series or instance, and for an instance optionally frames. */
export interface RenderedTarget {
  readonly study: string;
  readonly series?: string;
  readonly instance?: string;
  /** Frame numbers from 1, in the order asked (PS3.18 10.4 frame list). */
  readonly frames?: readonly number[];
}

/** One image of a rendered response, rendered only when its turn comes. */
export interface RenderedPart {
  render(): Promise<RenderedImage>;
}

export type RenderedResult =
  | { readonly kind: 'single'; readonly image: RenderedImage }
  | { readonly kind: 'multipart'; readonly parts: readonly RenderedPart[] }
  | { readonly kind: 'not-found'; readonly message: string }
  /** The addressed objects exist but none has pixels (a report, a presentation state…). */
  | { readonly kind: 'not-an-image' }
  | { readonly kind: 'failed'; readonly error: RenderError };

/**
 * WADO-RS rendered resources (PS3.18 10.4): an instance renders its first frame, a frame list
 * each listed frame, a series or study the first frame of each image instance. One image is the
 * response body; several are the parts of a multipart/related response.
 */
export class RetrieveRenderedUseCase {
  constructor(
    private readonly index: Pick<InstanceIndex, 'metadata'>,
    private readonly renderer: InstanceRenderer,
  ) {}

  async execute(tenant: string, target: RenderedTarget, options: RenderOptions): Promise<RenderedResult> {
    const { found, images } = await imageInstances(this.index, tenant, target);
    if (!found) return { kind: 'not-found', message: 'No such study, series or instance' };
    const first = images[0];
    if (!first) return { kind: 'not-an-image' };
    const jobs = target.frames ? target.frames.map((n) => ({ image: first, frame: n })) : images.map((image) => ({ image, frame: 1 }));
    const missing = jobs.find((j) => j.frame > j.image.numberOfFrames);
    if (missing) return { kind: 'not-found', message: `Instance ${missing.image.ids.instance} has ${missing.image.numberOfFrames} frame(s), not frame ${missing.frame}` };
    const render = async (job: (typeof jobs)[number]): Promise<RenderedImage> => {
      const image = await this.renderer.render(tenant, job.image, job.frame, options);
      if (!image) throw new RenderError(RenderErrorCode.NotRenderable, `Frame ${job.frame} of ${job.image.ids.instance} is not in the object store`);
      return image;
    };
    // A single image is rendered before the response starts, so a failure still gets its status.
    const alone = target.instance !== undefined && jobs.length === 1;
    if (!alone) return { kind: 'multipart', parts: jobs.map((job) => ({ render: () => render(job) })) };
    try {
      return { kind: 'single', image: await render(jobs[0] as (typeof jobs)[number]) };
    } catch (err) {
      if (err instanceof RenderError) return { kind: 'failed', error: err };
      throw err;
    }
  }
}
