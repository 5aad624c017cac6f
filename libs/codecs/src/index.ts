export * from './codec-error';
export * from './frame-index';
export * from './frame-index-builder';
export * from './image-pixel';
export * from './native-decoder';
export * from './pixel-codecs';
export * from './rle-decoder';
