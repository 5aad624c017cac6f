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

/**
 * A Modality or VOI LUT (PS3.3 C.11.1.1.1, C.11.2.1.1): the first input value mapped, the bits of
 * each entry, and one entry per input value from the first mapped one on.
 */
export interface Lut {
  readonly firstMapped: number;
  readonly bits: number;
  readonly entries: Uint16Array;
}

/** The attributes besides the Image Pixel Module that say how stored values become displayed ones. */
export interface RenderingAttributes {
  /** Planar Configuration (0028,0006): 1 is colour by plane, for native colour frames. */
  readonly planarConfiguration: number;
  /** Modality LUT as Rescale Slope and Intercept (PS3.3 C.11.1.1.2). */
  readonly rescaleSlope: number;
  readonly rescaleIntercept: number;
  /** The Modality LUT Sequence's first item, which replaces Rescale Slope and Intercept (PS3.3 C.11.1). */
  readonly modalityLut?: Lut;
  /** The object's first window, if it has one (PS3.3 C.11.2.1.2). */
  readonly window?: Window;
  /** The VOI LUT Sequence's first item (PS3.3 C.11.2), used when there is no window. */
  readonly voiLut?: Lut;
  readonly palette?: { readonly red: PaletteChannel; readonly green: PaletteChannel; readonly blue: PaletteChannel };
}

/** Reads a value that the stored metadata left out (a relative BulkDataURI, "bulkdata/{offset}-{length}"). */
export type BulkDataReader = (bulkDataUri: string) => Promise<Buffer>;

const VOI_FUNCTIONS: readonly VoiFunction[] = ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'];
const BIG_ENDIAN = '1.2.840.10008.1.2.2';

/**
 * The rendering attributes of one instance from its DICOM JSON metadata. LUT Data that the metadata
 * holds as a BulkDataURI is read with `bulk`: stored bytes, in the byte order of `transferSyntaxUID`.
 */
export async function renderingAttributes(metadata: DicomJsonDataset, bulk: BulkDataReader, transferSyntaxUID: string): Promise<RenderingAttributes> {
  const bigEndian = transferSyntaxUID === BIG_ENDIAN;
  const center = numberValue(metadata, '00281050');
  const width = numberValue(metadata, '00281051');
  const fnText = stringValue(metadata, '00281056')?.trim().toUpperCase();
  const fn = VOI_FUNCTIONS.find((f) => f === fnText) ?? 'LINEAR';
  const palette =
    stringValue(metadata, '00280004') === 'PALETTE COLOR'
      ? {
          red: await paletteChannel(metadata, '00281101', '00281201', bulk, bigEndian),
          green: await paletteChannel(metadata, '00281102', '00281202', bulk, bigEndian),
          blue: await paletteChannel(metadata, '00281103', '00281203', bulk, bigEndian),
        }
      : undefined;
  const signedPixels = numberValue(metadata, '00280103') === 1;
  const slope = numberValue(metadata, '00281053');
  const intercept = numberValue(metadata, '00281052');
  const modalityItem = metadata['00283000']?.Value?.[0] as DicomJsonDataset | undefined;
  // PS3.3 C.11.1.1.1: the first stored value mapped is US or SS as Pixel Representation says.
  const modalityLut = modalityItem ? await lut(modalityItem, 'Modality LUT', signedPixels, bulk, bigEndian) : undefined;
  const voiItem = metadata['00283010']?.Value?.[0] as DicomJsonDataset | undefined;
  const voiLut = voiItem ? await lut(voiItem, 'VOI LUT', voiInputSigned(metadata, signedPixels, modalityLut !== undefined, slope, intercept), bulk, bigEndian) : undefined;
  return {
    planarConfiguration: numberValue(metadata, '00280006') ?? 0,
    rescaleSlope: slope ?? 1,
    rescaleIntercept: intercept ?? 0,
    modalityLut,
    voiLut,
    // A width below 1 is not a window (PS3.3 C.11.2.1.2.1); LINEAR_EXACT allows any width above 0.
    window: center !== undefined && width !== undefined && width > 0 && (width >= 1 || fn !== 'LINEAR') ? { center, width, fn } : undefined,
    palette,
  };
}

/**
 * Whether the VOI LUT's input, the Modality LUT's output, can be negative, which makes its first
 * mapped value SS rather than US (PS3.3 C.11.2.1.1): never after a Modality LUT Sequence (whose
 * entries are unsigned), after Rescale Slope and Intercept when the stored range rescales below 0,
 * else as Pixel Representation says.
 */
function voiInputSigned(metadata: DicomJsonDataset, signedPixels: boolean, modalityLut: boolean, slope: number | undefined, intercept: number | undefined): boolean {
  if (modalityLut) return false;
  if (slope === undefined && intercept === undefined) return signedPixels;
  const bitsStored = numberValue(metadata, '00280101') ?? 16;
  const low = signedPixels ? -(2 ** (bitsStored - 1)) : 0;
  const high = signedPixels ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  const m = slope ?? 1;
  const b = intercept ?? 0;
  return Math.min(low * m + b, high * m + b) < 0;
}

/**
 * One LUT from its LUT Descriptor (0028,3002) and LUT Data (0028,3006) (PS3.3 C.11.1.1.1,
 * C.11.2.1.1): 0 entries means 65536; the first mapped value is read as SS when `signedInput`,
 * whichever of US or SS the metadata gave it; 8 to 16 bits per entry. 8-bit entries are packed two
 * to a word, low byte first, as the standard says, or one to a word, as many modalities write them.
 */
async function lut(item: DicomJsonDataset, name: string, signedInput: boolean, bulk: BulkDataReader, bigEndian: boolean): Promise<Lut> {
  const descriptor = (item['00283002']?.Value ?? []) as number[];
  if (descriptor.length !== 3 || descriptor.some((v) => typeof v !== 'number')) throw new RenderError(RenderErrorCode.NotRenderable, `The ${name} Descriptor (0028,3002) is missing or not three values`);
  const [count, first, bits] = descriptor.map((v) => v & 0xffff) as [number, number, number];
  const entries = count === 0 ? 65536 : count;
  const firstMapped = signedInput && first >= 0x8000 ? first - 0x10000 : first;
  if (bits < 8 || bits > 16) throw new RenderError(RenderErrorCode.NotRenderable, `The ${name} Descriptor gives ${bits} bits per entry: 8 to 16 are rendered`);
  const data = await wordBytes(item['00283006'], bulk, bigEndian);
  if (!data) throw new RenderError(RenderErrorCode.NotRenderable, `The ${name} Data (0028,3006) is missing`);
  const out = new Uint16Array(entries);
  const words = data.length >> 1;
  if (words >= entries) {
    const mask = bits === 8 ? 0xff : 0xffff;
    for (let i = 0; i < entries; i++) out[i] = data.readUInt16LE(i * 2) & mask;
  } else if (bits === 8 && data.length >= entries) {
    for (let i = 0; i < entries; i++) out[i] = data[i] as number;
  } else {
    throw new RenderError(RenderErrorCode.NotRenderable, `The ${name} Data has ${words} words for ${entries} entries`);
  }
  return { firstMapped, bits, entries: out };
}

async function paletteChannel(metadata: DicomJsonDataset, descriptorKey: string, dataKey: string, bulk: BulkDataReader, bigEndian: boolean): Promise<PaletteChannel> {
  const descriptor = (metadata[descriptorKey]?.Value ?? []) as number[];
  if (descriptor.length !== 3) throw new RenderError(RenderErrorCode.NotRenderable, `Palette Color Lookup Table Descriptor (${descriptorKey.slice(0, 4)},${descriptorKey.slice(4)}) is missing or not three values`);
  const [entries, firstMapped, bits] = descriptor as [number, number, number];
  const data = await wordBytes(metadata[dataKey], bulk, bigEndian);
  if (!data) throw new RenderError(RenderErrorCode.NotRenderable, `Palette Color Lookup Table Data (${dataKey.slice(0, 4)},${dataKey.slice(4)}) is missing`);
  // 0 entries means 65536 (PS3.3 C.7.6.3.1.5).
  return { entries: entries === 0 ? 65536 : entries, firstMapped, bits, data };
}

/**
 * The bytes of LUT Data (US or OW: 16-bit words), little endian: a US Value's numbers, InlineBinary
 * (little endian whatever the transfer syntax, PS3.18 F.2.7), or the stored bytes of a BulkDataURI,
 * swapped when the stored data set is big endian (PS3.5 7.3).
 */
async function wordBytes(element: DicomJsonElement | undefined, bulk: BulkDataReader, bigEndian: boolean): Promise<Buffer | undefined> {
  if (!element) return undefined;
  if (element.InlineBinary !== undefined) return Buffer.from(element.InlineBinary, 'base64');
  if (element.BulkDataURI !== undefined) {
    const stored = await bulk(element.BulkDataURI);
    return bigEndian && stored.length % 2 === 0 ? Buffer.from(stored).swap16() : stored;
  }
  if (element.Value !== undefined) {
    const values = element.Value as number[];
    const out = Buffer.alloc(values.length * 2);
    values.forEach((v, i) => out.writeUInt16LE(v & 0xffff, i * 2));
    return out;
  }
  return undefined;
}
