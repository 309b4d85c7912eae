/**
 * The whole preprocessing, in MNIST's own order: any picture of one digit → the 28×28 values in [0,1]
 * (white digit on black, fitted into 20×20, centred by centre of mass) that an MNIST model expects; for a
 * model of another (square) size, the same proportions in a side×side frame.
 * Pure TypeScript without Node APIs: the browser demo bundles this same code.
 */
import { MNIST_CENTER, placeByCenterOfMass } from './center';
import { normalizeContrast } from './contrast';
import { crop, inkBoundingBox } from './crop';
import { removeNoise } from './denoise';
import { ImageError } from './errors';
import { toGrayscale } from './grayscale';
import { DIGIT_BOX, GrayImage, MNIST_SIDE, RgbaImage } from './image';
import { toInk } from './polarity';
import { resize } from './resize';

/** Large photos are shrunk to this longest side first: the digit ends up 20 pixels tall anyway. */
export const WORKING_SIDE = 512;
/** Smaller pictures hold no recognisable digit (MNIST's own strokes are 2–3 pixels wide in a 20-pixel box). */
export const MIN_SIDE = 8;
/**
 * Ink whose extent is below this share of the picture's longer side (or below MIN_DIGIT_PIXELS) is a speck,
 * not a digit: enlarged to 20 pixels it would be read as a blob-shaped 8 or 0.
 */
export const MIN_DIGIT_SHARE = 0.04;
export const MIN_DIGIT_PIXELS = 4;
/** Ink that differs from the background by less than this (0..1 grey scale) is no ink: a blank image. */
export const MIN_CONTRAST = 0.1;

function shrinkToWorkingSize(image: GrayImage): GrayImage {
  const longest = Math.max(image.width, image.height);
  if (longest <= WORKING_SIDE) return image;
  const scale = WORKING_SIDE / longest;
  return resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

/** Scales the digit so that its longer side is `box` pixels, keeping its aspect ratio. */
function fitToBox(digit: GrayImage, box: number): GrayImage {
  const scale = box / Math.max(digit.width, digit.height);
  return resize(digit, Math.max(1, Math.round(digit.width * scale)), Math.max(1, Math.round(digit.height * scale)));
}

export function preprocessGray(gray: GrayImage, side = MNIST_SIDE): Float32Array {
  if (gray.width <= 0 || gray.height <= 0) throw new ImageError(`empty image (${gray.width}×${gray.height} pixels)`);
  if (gray.width < MIN_SIDE || gray.height < MIN_SIDE) throw new ImageError(`image too small: ${gray.width}×${gray.height} pixels (at least ${MIN_SIDE}×${MIN_SIDE})`);
  const ink = toInk(shrinkToWorkingSize(gray));
  if (ink.image.data.every((v) => v < MIN_CONTRAST)) throw new ImageError('blank image: no ink found');
  const clean = removeNoise(normalizeContrast(ink));
  const box = inkBoundingBox(clean);
  if (!box) throw new ImageError('blank image: no ink found');
  const extent = Math.max(box.width, box.height);
  if (extent < MIN_DIGIT_PIXELS || extent < MIN_DIGIT_SHARE * Math.max(clean.width, clean.height)) {
    throw new ImageError(`no digit found: the only ink is a ${box.width}×${box.height}-pixel speck`);
  }
  const digitBox = Math.max(1, Math.round((side * DIGIT_BOX) / MNIST_SIDE));
  return placeByCenterOfMass(fitToBox(crop(clean, box), digitBox), side, (side * MNIST_CENTER) / MNIST_SIDE).data;
}

export function preprocessImage(image: RgbaImage, side = MNIST_SIDE): Float32Array {
  return preprocessGray(toGrayscale(image), side);
}

/** A digit that is already MNIST-style (side×side values in [0,1], white on black): checked and returned unchanged. */
export function fromMnistArray(values: ArrayLike<number>, side = MNIST_SIDE): Float32Array {
  if (values.length !== side * side) throw new ImageError(`expected ${side * side} values (${side}×${side}), got ${values.length}`);
  const out = Float32Array.from(values);
  const bad = out.findIndex((v) => !(v >= 0 && v <= 1));
  if (bad >= 0) throw new ImageError(`value ${values[bad]} at index ${bad} is outside [0, 1]`);
  return out;
}

/** An RGBA image goes through the whole pipeline; a plain side×side array is taken as already MNIST-style. */
export function toMnistInput(input: RgbaImage | ArrayLike<number>, side = MNIST_SIDE): Float32Array {
  return 'width' in input ? preprocessImage(input, side) : fromMnistArray(input, side);
}
