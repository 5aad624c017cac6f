import { RenderError, RenderErrorCode } from './render-error';
import { numberValue, stringValue, type DicomJsonDataset, type DicomJsonElement } from '@tessera/dicom';

/** A VOI LUT Function (PS3.3 C.11.2.1.3). */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/** A window: centre and width, and how values map through it (PS3.3 C.11.2.1.2). */
export interface Window {
  readonly center: number;
  readonly width: number;
  readonly fn: VoiFunction;
}

/** One channel of a Palette Color Lookup Table (PS3.3 C.7.6.3.1.5): descriptor and entries. */
export interface PaletteChannel {
  readonly entries: number;
  readonly firstMapped: number;
  readonly bits: number;
  readonly data: Buffer;
}

/** The attributes besides the Image Pixel Module that say how stored values become displayed ones. */
export interface RenderingAttributes {
  /** Planar Configuration (0028,0006): 1 is colour by plane, for native colour frames. */
  readonly planarConfiguration: number;
  /** Modality LUT as Rescale Slope and Intercept (PS3.3 C.11.1.1.2). */
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  /** The object's first window, if it has one (PS3.3 C.11.2.1.2). */
  readonly window?: Window;
  readonly palette?: { readonly red: PaletteChannel; readonly green: PaletteChannel; readonly blue: PaletteChannel };
}

/** Reads a value that the stored metadata left out (a relative BulkDataURI, "bulkdata/{offset}-{length}"). */
export type BulkDataReader = (bulkDataUri: string) => Promise<Buffer>;

const VOI_FUNCTIONS: readonly VoiFunction[] = ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'];

/**
 * The rendering attributes of one instance from its DICOM JSON metadata. Palette LUT Data that the
 * metadata holds as a BulkDataURI is read with `bulk`.
 */
export async function renderingAttributes(metadata: DicomJsonDataset, bulk: BulkDataReader): Promise<RenderingAttributes> {
  const center = numberValue(metadata, '00281050');
  const width = numberValue(metadata, '00281051');
  const fnText = stringValue(metadata, '00281056')?.trim().toUpperCase();
  const fn = VOI_FUNCTIONS.find((f) => f === fnText) ?? 'LINEAR';
  const palette =
    stringValue(metadata, '00280004') === 'PALETTE COLOR'
      ? {
          red: await paletteChannel(metadata, '00281101', '00281201', bulk),
          green: await paletteChannel(metadata, '00281102', '00281202', bulk),
          blue: await paletteChannel(metadata, '00281103', '00281203', bulk),
        }
      : undefined;
  return {
    planarConfiguration: numberValue(metadata, '00280006') ?? 0,
    rescaleSlope: numberValue(metadata, '00281053') ?? 1,
    rescaleIntercept: numberValue(metadata, '00281052') ?? 0,
    // A width below 1 is not a window (PS3.3 C.11.2.1.2.1); LINEAR_EXACT allows any width above 0.
    window: center !== undefined && width !== undefined && width > 0 && (width >= 1 || fn !== 'LINEAR') ? { center, width, fn } : undefined,
    palette,
  };
}

async function paletteChannel(metadata: DicomJsonDataset, descriptorKey: string, dataKey: string, bulk: BulkDataReader): Promise<PaletteChannel> {
  const descriptor = (metadata[descriptorKey]?.Value ?? []) as number[];
  if (descriptor.length !== 3) throw new RenderError(RenderErrorCode.NotRenderable, `Palette Color Lookup Table Descriptor (${descriptorKey.slice(0, 4)},${descriptorKey.slice(4)}) is missing or not three values`);
  const [entries, firstMapped, bits] = descriptor as [number, number, number];
  const data = await elementBytes(metadata[dataKey], bulk);
  if (!data) throw new RenderError(RenderErrorCode.NotRenderable, `Palette Color Lookup Table Data (${dataKey.slice(0, 4)},${dataKey.slice(4)}) is missing`);
  // 0 entries means 65536 (PS3.3 C.7.6.3.1.5).
  return { entries: entries === 0 ? 65536 : entries, firstMapped, bits, data };
}

async function elementBytes(element: DicomJsonElement | undefined, bulk: BulkDataReader): Promise<Buffer | undefined> {
  if (!element) return undefined;
  if (element.InlineBinary !== undefined) return Buffer.from(element.InlineBinary, 'base64');
  if (element.BulkDataURI !== undefined) return bulk(element.BulkDataURI);
  return undefined;
}
