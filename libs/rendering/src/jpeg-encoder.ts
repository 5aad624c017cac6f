import type { DisplayImage } from './display';
import { RenderError, RenderErrorCode } from './render-error';

type JpegModule = Awaited<ReturnType<typeof import('@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs')>>;

let loading: Promise<JpegModule> | undefined;
/** The libjpeg-turbo WebAssembly module, loaded once per process. */
export function jpegModule(): Promise<JpegModule> {
  loading ??= import('@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs')
    .then((m) => m.default({ print: () => undefined, printErr: () => undefined }))
    .catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
  return loading;
}

// The binding compresses into a buffer as large as its input buffer and cannot grow it (it passes
// TJFLAG_NOREALLOC), so the input buffer is sized for the worst case: tjBufSize's bound of 6 bytes
// per 16×16-padded pixel (2 for grey) plus 2048 bytes of headers. Its input size is
// width × height × components × ceil(bitsPerSample / 8), with bitsPerSample held in 8 bits: at most
// 32 bytes per sample.
function inputBytesPerSample(image: DisplayImage): number | undefined {
  const pad = (n: number) => Math.ceil(n / 16) * 16;
  const bound = pad(image.width) * pad(image.height) * (image.channels === 1 ? 2 : 6) + 2048;
  const perSample = Math.ceil(bound / (image.width * image.height * image.channels));
  return perSample <= 32 ? perSample : undefined;
}

/** Encodes an 8-bit grey or RGB image as baseline JPEG (ITU-T T.81) at quality 1–100. */
export async function encodeJpeg(image: DisplayImage, quality: number): Promise<Buffer> {
  const perSample = inputBytesPerSample(image);
  if (perSample === undefined) {
    throw new RenderError(RenderErrorCode.BadParameter, `A ${image.width}×${image.height} image is too small to encode as JPEG here; ask for a larger viewport or image/png`);
  }
  const { JPEGEncoder } = await jpegModule();
  const encoder = new JPEGEncoder();
  try {
    const input = encoder.getDecodedBuffer({ width: image.width, height: image.height, bitsPerSample: perSample * 8 - 7, componentCount: image.channels, isSigned: false });
    input.set(image.pixels);
    encoder.setQuality(quality);
    encoder.setProgressive(0);
    encoder.encode();
    return Buffer.from(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
}
