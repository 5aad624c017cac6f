/** The attributes of the Image Pixel Module (PS3.3 C.7.6.3) that decoding depends on. */
export interface ImagePixel {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly pixelRepresentation: number;
  readonly photometricInterpretation: string;
  readonly numberOfFrames: number;
}

/** Bytes of one native frame: samples packed in their Bits Allocated, colour by pixel (PS3.5 8.1.1, 8.2). */
export function nativeFrameLength(image: ImagePixel): number {
  return image.rows * image.columns * image.samplesPerPixel * (image.bitsAllocated / 8);
}
