import { numberValue, stringValue, type DicomJsonDataset } from '@tessera/dicom';
import type { InstanceIndex } from '@tessera/index-store';
import { renderFrame, renderingAttributes, type FrameSource, type RenderedImage, type RenderOptions } from '@tessera/rendering';
import { buffer } from 'node:stream/consumers';
import type { RetrieveBulkDataUseCase } from '../retrieve/retrieve-bulkdata.use-case';

/** The study, series and instance of one stored instance. */
export interface InstanceIds {
  readonly study: string;
  readonly series: string;
  readonly instance: string;
}

/** One indexed instance that has pixels to render. */
export interface ImageInstance {
  readonly ids: InstanceIds;
  readonly numberOfFrames: number;
  readonly metadata: DicomJsonDataset;
}

/** The image instances of a study, series or instance, in the index's instance order. */
export async function imageInstances(index: Pick<InstanceIndex, 'metadata'>, tenant: string, scope: { study: string; series?: string; instance?: string }): Promise<{ found: boolean; images: ImageInstance[] }> {
  const all = await index.metadata(tenant, scope);
  const images = all
    // Only objects with an Image Pixel Module have something to render (PS3.3 C.7.6.3).
    .filter((m) => numberValue(m, '00280010') !== undefined && numberValue(m, '00280011') !== undefined)
    .map((metadata) => ({
      ids: { study: stringValue(metadata, '0020000D') as string, series: stringValue(metadata, '0020000E') as string, instance: stringValue(metadata, '00080018') as string },
      numberOfFrames: Number(stringValue(metadata, '00280008') ?? 1) || 1,
      metadata,
    }));
  return { found: all.length > 0, images };
}

/** Renders frames of indexed instances: pixels from the frame source, how to show them from the metadata. */
export class InstanceRenderer {
  constructor(
    private readonly frames: FrameSource,
    private readonly bulk: Pick<RetrieveBulkDataUseCase, 'execute'>,
  ) {}

  /** The rendered frame, or undefined when the frame source has no such frame. */
  async render(tenant: string, image: ImageInstance, frameNumber: number, options: RenderOptions): Promise<RenderedImage | undefined> {
    const frame = await this.frames.frame(tenant, image.ids, frameNumber);
    if (!frame) return undefined;
    const attributes = await renderingAttributes(image.metadata, (uri) => this.readBulk(tenant, image.ids, uri), frame.transferSyntaxUID);
    return renderFrame(frame, attributes, options);
  }

  // Stored metadata names left-out values relatively, "bulkdata/{offset}-{length}" (libs/dicom bulk-data-uri).
  private async readBulk(tenant: string, ids: InstanceIds, uri: string): Promise<Buffer> {
    const match = /(?:^|\/)bulkdata\/(\d{1,15})-(\d{1,15})$/.exec(uri);
    if (!match) throw new Error(`"${uri}" is not a bulk data reference of this server`);
    const result = await this.bulk.execute(tenant, ids, Number(match[1]), Number(match[2]));
    if (result.kind === 'not-found') throw new Error(`Bulk data ${uri} of ${ids.instance}: ${result.message}`);
    return buffer(await result.open());
  }
}
