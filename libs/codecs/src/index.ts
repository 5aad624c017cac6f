export * from './codec-error';
export * from './image-pixel';
export * from './native-decoder';
export * from './pixel-codecs';
export * from './rle-decoder';
