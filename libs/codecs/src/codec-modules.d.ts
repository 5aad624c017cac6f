// Types of the npm codec packages, which ship none: the Emscripten (embind) builds of libjpeg-turbo,
// CharLS and OpenJPEG, and the pure-JavaScript JPEG lossless decoder.

interface EmscriptenCodecOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

interface EmbindFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface EmbindDecoder {
  /** Allocates the encoded buffer inside the module's memory and returns a view of it to fill. */
  getEncodedBuffer(length: number): Uint8Array;
  /** A view of the decoded pixels inside the module's memory, valid until the decoder is deleted. */
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): EmbindFrameInfo;
  decode(): void;
  /** Frees the decoder's memory in the module. */
  delete(): void;
}

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  interface JPEGDecoder extends EmbindDecoder {
    readHeader(): void;
  }
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ JPEGDecoder: new () => JPEGDecoder }>;
  export = factory;
}

declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  interface JpegLSDecoder extends EmbindDecoder {
    /** NEAR of the scan (ISO/IEC 14495-1): 0 is lossless. */
    getNearLossless(): number;
    /** 0 none (by plane), 1 line, 2 sample. */
    getInterleaveMode(): number;
  }
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ JpegLSDecoder: new () => JpegLSDecoder }>;
  export = factory;
}

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  interface J2KDecoder extends EmbindDecoder {
    readHeader(): void;
    /** Whether the code stream uses the reversible 5-3 wavelet (ISO/IEC 15444-1 Annex F). */
    getIsReversible(): boolean;
  }
  const factory: (options?: EmscriptenCodecOptions) => Promise<{ J2KDecoder: new () => J2KDecoder }>;
  export = factory;
}

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decodes a JPEG lossless (ITU-T T.81 process 14) code stream; one or two bytes per sample, colour by pixel. */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array;
    readonly numComp: number;
    readonly precision: number;
    readonly xDim: number;
    readonly yDim: number;
  }
}
