import { DatasetParser, DicomJsonBuilder, EXPLICIT_VR_LITTLE_ENDIAN, Tags, type DatasetVisitor, type TransferSyntax } from '@tessera/dicom';

/** What a test reads back from a native (not encapsulated) data set. */
export interface NativeDataSet {
  /** The top-level tags in order. */
  readonly tags: number[];
  /** Every element but the top-level Pixel Data, as DICOM JSON (bulk values by their length). */
  readonly json: Record<string, { vr: string; Value?: unknown[] }>;
  readonly pixelVR: string;
  readonly pixels: Buffer;
}

/** Parses a native data set (no File Meta Information); encapsulated Pixel Data throws. */
export function readNativeDataSet(data: Buffer, ts: TransferSyntax = EXPLICIT_VR_LITTLE_ENDIAN): NativeDataSet {
  const builder = new DicomJsonBuilder((r) => String(r.length));
  const tags: number[] = [];
  let depth = 0;
  let pixelVR = '';
  let pixels = Buffer.alloc(0);
  const visitor: DatasetVisitor = {
    wantsValue: (h) => (depth === 0 && h.tag === Tags.PixelData) || builder.wantsValue(h),
    element: (h, v) => {
      if (depth === 0) tags.push(h.tag);
      if (depth === 0 && h.tag === Tags.PixelData) {
        pixelVR = h.vr;
        pixels = Buffer.from(v as Buffer);
      } else builder.element(h, v);
    },
    sequenceStart: (h) => {
      if (depth++ === 0) tags.push(h.tag);
      builder.sequenceStart(h);
    },
    sequenceEnd: () => {
      depth--;
      builder.sequenceEnd();
    },
    itemStart: () => builder.itemStart(),
    itemEnd: () => builder.itemEnd(),
    encapsulatedStart: () => {
      throw new Error('still encapsulated');
    },
    fragment: () => undefined,
    encapsulatedEnd: () => undefined,
  };
  const parser = new DatasetParser(ts, visitor);
  parser.push(data);
  parser.end();
  return { tags, json: builder.dataset as NativeDataSet['json'], pixelVR, pixels };
}
