/**
 * MNIST-style preprocessing of arbitrary digit images. This entry point is browser-safe (no Node APIs);
 * decoding image files lives in ./decode, for Node.
 */
export * from './image';
export { ImageError } from './errors';
export { toGrayscale } from './grayscale';
export { toInk } from './polarity';
export { normalizeContrast } from './contrast';
export { removeNoise } from './denoise';
export { crop, inkBoundingBox, type Box } from './crop';
export { resize } from './resize';
export { centerOfMass, placeByCenterOfMass, MNIST_CENTER } from './center';
export { fromMnistArray, preprocessGray, preprocessImage, toMnistInput } from './pipeline';
export { BLANK, digitToMnist, inkOf, inkSteps, type InkSteps } from './pipeline';
export { segmentNumber, type SegmentedDigit } from './segment';
export { normalizeStrokes, strokeWidth } from './stroke';
