// Types of the libjpeg-turbo Emscripten (embind) build with the encoder, which ships none.

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs' {
  interface JpegFrameInfo {
    width: number;
    height: number;
    /** Bytes per sample is ceil(bitsPerSample / 8); held in 8 bits by the binding. */
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  interface JPEGEncoder {
    /** Sizes the input buffer for frameInfo inside the module's memory and returns a view of it to fill. */
    getDecodedBuffer(frameInfo: JpegFrameInfo): Uint8Array;
    /** A copy of the encoded JPEG. */
    getEncodedBuffer(): Uint8Array;
    setQuality(quality: number): void;
    setProgressive(progressive: number): void;
    encode(): void;
    delete(): void;
  }
  interface JPEGDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    readHeader(): void;
    decode(): void;
    getFrameInfo(): JpegFrameInfo;
    delete(): void;
  }
  const factory: (options?: { print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<{ JPEGEncoder: new () => JPEGEncoder; JPEGDecoder: new () => JPEGDecoder }>;
  export = factory;
}
