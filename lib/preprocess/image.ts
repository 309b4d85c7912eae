/** The image types the preprocessing steps pass along, and the MNIST frame they aim at. */

/** Interleaved 8-bit RGBA, row-major: what canvas getImageData, pngjs and jpeg-js produce. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** One channel, row-major; values in [0,1]. */
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** MNIST images are 28×28 with the digit fitted into a 20×20 box inside. */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;
export const DIGIT_BOX = 20;

/** Ink ≥ 0 over a zero background, with the background's noise level (a standard deviation) on the same scale. */
export interface Ink {
  image: GrayImage;
  noise: number;
}

export function grayImage(width: number, height: number, data = new Float32Array(width * height)): GrayImage {
  return { width, height, data };
}
