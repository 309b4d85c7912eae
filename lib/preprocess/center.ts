/**
 * Centring by centre of mass, as MNIST does. Coordinates are pixel indices: pixel (row r, column c) sits at
 * (r, c), so a 28×28 frame spans 0..27 and MNIST's own digits have their centre of mass at (14, 14) on
 * average (13.99, 14.00 over the test set), not at the geometric middle 13.5: that is the target here.
 */
import { GrayImage, grayImage, MNIST_SIDE } from './image';

export const MNIST_CENTER = 14;

/** Intensity-weighted mean position {x: column, y: row}; undefined for an all-zero image. */
export function centerOfMass({ width, height, data }: GrayImage): { x: number; y: number } | undefined {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      mass += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : undefined;
}

/**
 * Pastes the digit into a side×side frame shifted by whole pixels (no resampling blur) so that its centre of
 * mass lands within half a pixel of (center, center), but never so far that part of it falls outside.
 */
export function placeByCenterOfMass(digit: GrayImage, side = MNIST_SIDE, center = MNIST_CENTER): GrayImage {
  if (digit.width > side || digit.height > side) throw new Error(`a ${digit.width}×${digit.height} digit does not fit a ${side}×${side} frame`);
  const com = centerOfMass(digit) ?? { x: (digit.width - 1) / 2, y: (digit.height - 1) / 2 };
  const left = Math.min(side - digit.width, Math.max(0, Math.round(center - com.x)));
  const top = Math.min(side - digit.height, Math.max(0, Math.round(center - com.y)));
  const out = grayImage(side, side);
  for (let y = 0; y < digit.height; y++) {
    out.data.set(digit.data.subarray(y * digit.width, (y + 1) * digit.width), (top + y) * side + left);
  }
  return out;
}
