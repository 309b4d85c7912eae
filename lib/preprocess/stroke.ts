/**
 * Stroke width normalisation. A marker's strokes fill most of a digit's box and a fine pen's vanish when the
 * digit is shrunk to 20×20; MNIST's strokes have one typical width relative to the digit. The width is
 * estimated as 2·area / perimeter of the ink (exact for a long band), and strokes far off MNIST's are eroded
 * or dilated (grey-level minimum or maximum over a square) towards it.
 */
import { GrayImage, grayImage } from './image';

/** MNIST's typical stroke width as a share of the digit's longer side (the training set's median, README). */
export const MNIST_STROKE_SHARE = 0.095;
/** Widths within this factor of MNIST's are left alone: handwriting varies, and MNIST with it. */
const TOLERANCE = 2.2;
/** How far from MNIST's width a corrected stroke stays: thinning further erases the narrow parts of a digit. */
const AIM = 1.25;
/** Ink above this (on the normalised 0..1 scale) counts for area and perimeter. */
const INK_LEVEL = 0.5;

/** Mean stroke width in pixels: 2·area / perimeter of the ink mask (4-neighbour edges); 0 without ink. */
export function strokeWidth({ width, height, data }: GrayImage): number {
  let area = 0;
  let edges = 0;
  const ink = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && data[y * width + x] > INK_LEVEL;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!ink(x, y)) continue;
      area++;
      edges += +!ink(x - 1, y) + +!ink(x + 1, y) + +!ink(x, y - 1) + +!ink(x, y + 1);
    }
  }
  return edges ? (2 * area) / edges : 0;
}

/** Minimum (erode) or maximum (dilate) over a (2r+1)² square, separably; the frame grows by r on every side when dilating. */
function morphology(image: GrayImage, r: number, dilate: boolean): GrayImage {
  const pad = dilate ? r : 0;
  const width = image.width + 2 * pad;
  const height = image.height + 2 * pad;
  const src = grayImage(width, height);
  for (let y = 0; y < image.height; y++) src.data.set(image.data.subarray(y * image.width, (y + 1) * image.width), (y + pad) * width + pad);
  const pick = dilate ? Math.max : Math.min;
  const outside = 0;
  const pass = (from: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(from.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = from[y * width + x];
        for (let d = -r; d <= r; d++) {
          const [nx, ny] = horizontal ? [x + d, y] : [x, y + d];
          v = pick(v, nx < 0 || ny < 0 || nx >= width || ny >= height ? outside : from[ny * width + nx]);
        }
        out[y * width + x] = v;
      }
    }
    return out;
  };
  return grayImage(width, height, pass(pass(src.data, true), false));
}

/** The cropped digit with its strokes brought within TOLERANCE of MNIST's width for its size. */
export function normalizeStrokes(digit: GrayImage): GrayImage {
  const width = strokeWidth(digit);
  const target = MNIST_STROKE_SHARE * Math.max(digit.width, digit.height);
  if (!width || (width <= target * TOLERANCE && width >= target / TOLERANCE)) return digit;
  // A square of side 2r+1 changes a band's width by 2r; aim inside the tolerated range, short of MNIST's middle.
  const goal = width > target ? target * AIM : target / AIM;
  const r = Math.round(Math.abs(width - goal) / 2);
  return r >= 1 ? morphology(digit, r, width < target) : digit;
}
