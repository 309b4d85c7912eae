/**
 * The whole preprocessing, in MNIST's own order: any picture of one digit → the 28×28 values in [0,1]
 * (white digit on black, strokes of MNIST's width, fitted into 20×20, centred by centre of mass) that an
 * MNIST model expects; for a model of another (square) size, the same proportions in a side×side frame.
 * Pure TypeScript without Node APIs: the browser demo bundles this same code.
 */
import { MNIST_CENTER, placeByCenterOfMass } from './center';
import { normalizeContrast } from './contrast';
import { Box, crop, inkBoundingBox } from './crop';
import { removeNoise } from './denoise';
import { ImageError } from './errors';
import { toGrayscale } from './grayscale';
import { DIGIT_BOX, GrayImage, MNIST_SIDE, RgbaImage } from './image';
import { toInk } from './polarity';
import { resize } from './resize';
import { normalizeStrokes } from './stroke';

/** Large photos are shrunk to this longest side first: the digit ends up 20 pixels tall anyway. */
export const WORKING_SIDE = 512;
/** Smaller pictures hold no recognisable digit (MNIST's own strokes are 2–3 pixels wide in a 20-pixel box). */
export const MIN_SIDE = 8;
/** Ink that differs from the background by less than this (0..1 grey scale) is no ink: a blank image. */
export const MIN_CONTRAST = 0.1;
/**
 * Ink whose extent is below this many pixels, or this share of the image's longer side, is a speck of dust or
 * a dot, not a digit: a blank page with a speck on it is blank, not an 8.
 */
export const MIN_DIGIT_PIXELS = 6;
export const MIN_DIGIT_SHARE = 1 / 32;
export const BLANK = 'blank image: no ink found';

/** The factor from the image's pixels to the working-size pixels (1 for images that fit). */
export function workingScale(image: GrayImage): number {
  return Math.min(1, WORKING_SIDE / Math.max(image.width, image.height));
}

function shrinkToWorkingSize(image: GrayImage): GrayImage {
  const scale = workingScale(image);
  if (scale === 1) return image;
  return resize(image, Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale)));
}

/** Scales the digit so that its longer side is `box` pixels, keeping its aspect ratio. */
function fitToBox(digit: GrayImage, box: number): GrayImage {
  const scale = box / Math.max(digit.width, digit.height);
  return resize(digit, Math.max(1, Math.round(digit.width * scale)), Math.max(1, Math.round(digit.height * scale)));
}

/** Ink that is too small to be a digit in an image of this size. */
export function isSpeck(box: Box, image: { width: number; height: number }): boolean {
  const extent = Math.max(box.width, box.height);
  return extent < MIN_DIGIT_PIXELS || extent < MIN_DIGIT_SHARE * Math.max(image.width, image.height);
}

/** The steps from a grey image to its clean ink, each kept: the notebook on real input shows them one by one. */
export interface InkSteps {
  /** The grey image at working size. */
  working: GrayImage;
  /** The paper level fitted under the ink (grey levels). */
  paper: GrayImage;
  /** Ink measured from that paper, before contrast and noise are cleaned. */
  ink: GrayImage;
  /** Paper 0, strokes near 1, noise removed: what the digits are cut from. */
  clean: GrayImage;
}

/** Grey image → the steps to its clean ink at working size; throws on a blank one. */
export function inkSteps(gray: GrayImage): InkSteps {
  if (gray.width <= 0 || gray.height <= 0) throw new ImageError(`empty image (${gray.width}×${gray.height} pixels)`);
  // The longer side: a tight crop of a 1 is narrow.
  if (Math.max(gray.width, gray.height) < MIN_SIDE) throw new ImageError(`image too small: ${gray.width}×${gray.height} pixels (at least ${MIN_SIDE} on its longer side)`);
  const working = shrinkToWorkingSize(gray);
  const ink = toInk(working);
  if (ink.image.data.every((v) => v < MIN_CONTRAST)) throw new ImageError(BLANK);
  return { working, paper: ink.paper, ink: ink.image, clean: removeNoise(normalizeContrast(ink)) };
}

/** Grey image → clean ink of the working-size image (paper 0, strokes near 1, noise removed); throws on a blank one. */
export function inkOf(gray: GrayImage): GrayImage {
  return inkSteps(gray).clean;
}

/**
 * One digit's clean ink (anything around it zero) → the side×side model input (28×28 for MNIST): crop, stroke
 * width, 20×20 box (scaled with the side), centre of mass.
 */
export function digitToMnist(ink: GrayImage, side = MNIST_SIDE): Float32Array {
  const box = inkBoundingBox(ink);
  if (!box) throw new ImageError(BLANK);
  const strokes = normalizeStrokes(crop(ink, box));
  const digit = crop(strokes, inkBoundingBox(strokes) ?? { x: 0, y: 0, width: strokes.width, height: strokes.height });
  const digitBox = Math.max(1, Math.round((side * DIGIT_BOX) / MNIST_SIDE));
  return placeByCenterOfMass(fitToBox(digit, digitBox), side, (side * MNIST_CENTER) / MNIST_SIDE).data;
}

export function preprocessGray(gray: GrayImage, side = MNIST_SIDE): Float32Array {
  const clean = inkOf(gray);
  const box = inkBoundingBox(clean);
  if (!box) throw new ImageError(BLANK);
  if (isSpeck(box, clean)) throw new ImageError(`${BLANK} (only a ${box.width}×${box.height}-pixel speck)`);
  return digitToMnist(clean, side);
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
