/**
 * Hard, realistic images built from MNIST digits: tightly cropped (strokes touch the frame), thick marker or
 * thin pen strokes, blur, low contrast, a slight rotation, JPEG artefacts, dark ink on paper or light ink on a
 * dark board, and whole handwritten numbers with irregular gaps, sizes and baselines. The tests measure the
 * preprocessing on them and the hard-images notebook shows them; nothing here is used to train.
 */
import * as jpeg from 'jpeg-js';
import type { DigitSet } from './mnist';
import type { Rng } from './random';

/** Ink in [0,1] over a zero background, row-major (the shape of lib/preprocess's GrayImage). */
export interface InkPicture {
  width: number;
  height: number;
  data: Float32Array;
}

/** Interleaved 8-bit RGBA, the shape of a decoded PNG/JPEG. */
export interface RgbaPicture {
  width: number;
  height: number;
  data: Uint8Array;
}

export function mnistDigit(set: DigitSet, index: number): InkPicture {
  const pixels = set.width * set.height;
  return { width: set.width, height: set.height, data: Float32Array.from(set.images.subarray(index * pixels, (index + 1) * pixels), (v) => v / 255) };
}

function at({ width, height, data }: InkPicture, x: number, y: number): number {
  return x < 0 || y < 0 || x >= width || y >= height ? 0 : data[y * width + x];
}

/** Bilinear sample at a fractional position; outside the picture is background. */
function sample(picture: InkPicture, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  return (
    at(picture, x0, y0) * (1 - fx) * (1 - fy) + at(picture, x0 + 1, y0) * fx * (1 - fy) + at(picture, x0, y0 + 1) * (1 - fx) * fy + at(picture, x0 + 1, y0 + 1) * fx * fy
  );
}

/** Crop to the bounding box of the pixels above `threshold`, with no margin: the strokes touch all four sides. */
export function tightCrop(picture: InkPicture, threshold = 0): InkPicture {
  let [x0, y0, x1, y1] = [picture.width, picture.height, -1, -1];
  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      if (picture.data[y * picture.width + x] <= threshold) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return picture;
  const out = { width: x1 - x0 + 1, height: y1 - y0 + 1, data: new Float32Array((x1 - x0 + 1) * (y1 - y0 + 1)) };
  for (let y = 0; y < out.height; y++) for (let x = 0; x < out.width; x++) out.data[y * out.width + x] = picture.data[(y + y0) * picture.width + x + x0];
  return out;
}

/** Enlarges (or shrinks) by a factor with bilinear sampling, pixel centres aligned. */
export function scale(picture: InkPicture, factor: number): InkPicture {
  const width = Math.max(1, Math.round(picture.width * factor));
  const height = Math.max(1, Math.round(picture.height * factor));
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = sample(picture, (x + 0.5) / factor - 0.5, (y + 0.5) / factor - 0.5);
  }
  return { width, height, data };
}

/** Rotation about the centre by `degrees` (positive: clockwise on screen), the frame grown to hold the result. */
export function rotate(picture: InkPicture, degrees: number): InkPicture {
  const angle = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const width = Math.ceil(Math.abs(picture.width * cos) + Math.abs(picture.height * sin));
  const height = Math.ceil(Math.abs(picture.width * sin) + Math.abs(picture.height * cos));
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [rx, ry] = [x - (width - 1) / 2, y - (height - 1) / 2];
      data[y * width + x] = sample(picture, cos * rx + sin * ry + (picture.width - 1) / 2, -sin * rx + cos * ry + (picture.height - 1) / 2);
    }
  }
  return { width, height, data };
}

/** Grey-level dilation (radius > 0: thicker strokes, a marker) or erosion (radius < 0: thinner, a fine pen) by a disc. */
export function strokeWidth(picture: InkPicture, radius: number): InkPicture {
  const r = Math.abs(radius);
  const pick = radius > 0 ? Math.max : Math.min;
  const data = new Float32Array(picture.data.length);
  for (let y = 0; y < picture.height; y++) {
    for (let x = 0; x < picture.width; x++) {
      let v = picture.data[y * picture.width + x];
      for (let dy = -Math.floor(r); dy <= r; dy++) {
        for (let dx = -Math.floor(r); dx <= r; dx++) if (dx * dx + dy * dy <= r * r) v = pick(v, at(picture, x + dx, y + dy));
      }
      data[y * picture.width + x] = v;
    }
  }
  return { ...picture, data };
}

/** Gaussian blur of standard deviation sigma pixels (separable). */
export function blur(picture: InkPicture, sigma: number): InkPicture {
  const reach = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * reach + 1 }, (_, i) => Math.exp(-((i - reach) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: InkPicture, horizontal: boolean): InkPicture => {
    const data = new Float32Array(src.data.length);
    for (let y = 0; y < src.height; y++) {
      for (let x = 0; x < src.width; x++) {
        let sum = 0;
        kernel.forEach((w, i) => (sum += w * (horizontal ? at(src, x + i - reach, y) : at(src, x, y + i - reach))));
        data[y * src.width + x] = sum / total;
      }
    }
    return { ...src, data };
  };
  return pass(pass(picture, true), false);
}

/** How the ink is put on the page: grey levels 0..255 of paper and ink, and sensor noise (standard deviation). */
export interface Paper {
  paper: number;
  ink: number;
  noise?: number;
}

export const DARK_ON_WHITE: Paper = { paper: 245, ink: 25 };

/** The picture as a greyscale photo: each pixel mixes paper and ink by its ink value. */
export function onPaper(picture: InkPicture, { paper, ink, noise = 0 }: Paper, rng?: Rng): RgbaPicture {
  const data = new Uint8Array(picture.data.length * 4);
  picture.data.forEach((v, p) => {
    const grain = noise && rng ? (rng() + rng() + rng() - 1.5) * 2 * noise : 0;
    const grey = Math.max(0, Math.min(255, Math.round(paper + (ink - paper) * Math.min(1, v) + grain)));
    data.set([grey, grey, grey, 255], p * 4);
  });
  return { width: picture.width, height: picture.height, data };
}

/** Saved as a JPEG of this quality (1..100) and read back: block artefacts and ringing around the strokes. */
export function jpegRoundTrip(image: RgbaPicture, quality: number): RgbaPicture {
  const bytes = jpeg.encode({ width: image.width, height: image.height, data: image.data }, quality).data;
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: decoded.width, height: decoded.height, data: decoded.data };
}

/** Where each digit of a composed number went: [x, y, width, height] in the number's picture. */
export interface ComposedNumber {
  picture: InkPicture;
  boxes: [number, number, number, number][];
}

/**
 * Writes digits side by side as a person writes a number: each digit scaled by a random factor in
 * [1 - sizeJitter, 1 + sizeJitter], its baseline moved by up to ±baselineJitter of the digit height, the gaps
 * between neighbours drawn from [minGap, maxGap] pixels (negative: the digits touch or overlap), on a margin.
 */
export function composeNumber(
  digits: InkPicture[],
  rng: Rng,
  { sizeJitter = 0.15, baselineJitter = 0.1, minGap = -1, maxGap = 8, margin = 12 } = {},
): ComposedNumber {
  const placed = digits.map((digit) => {
    const scaled = tightCrop(scale(digit, 1 + (rng() * 2 - 1) * sizeJitter));
    return { digit: scaled, dy: Math.round((rng() * 2 - 1) * baselineJitter * scaled.height) };
  });
  const tallest = Math.max(...placed.map((p) => p.digit.height));
  let x = margin;
  const positions = placed.map((p, i) => {
    const left = x;
    x += p.digit.width + (i < placed.length - 1 ? Math.round(minGap + rng() * (maxGap - minGap)) : 0);
    return { left, top: margin + Math.round(tallest * 0.1) + (tallest - p.digit.height) + p.dy };
  });
  const width = x + margin;
  const height = tallest + 2 * margin + Math.round(tallest * 0.2);
  const data = new Float32Array(width * height);
  placed.forEach(({ digit }, i) => {
    const { left, top } = positions[i];
    for (let y = 0; y < digit.height; y++) {
      for (let dx = 0; dx < digit.width; dx++) {
        const p = (top + y) * width + left + dx;
        if (top + y >= 0 && top + y < height) data[p] = Math.max(data[p], digit.data[y * digit.width + dx]);
      }
    }
  });
  return { picture: { width, height, data }, boxes: placed.map(({ digit }, i) => [positions[i].left, positions[i].top, digit.width, digit.height]) };
}

/** The hard versions of a digit that the tests check and `bench/hard-images.ts` measures, by name. */
export const HARD_VARIANTS: Record<string, (digit: InkPicture, rng: Rng) => RgbaPicture> = {
  'tight crop at MNIST size': (d) => onPaper(tightCrop(d), DARK_ON_WHITE),
  'tight crop enlarged 4×': (d) => onPaper(tightCrop(scale(d, 4), 0.05), DARK_ON_WHITE),
  'tight crop, thick marker strokes': (d) => onPaper(tightCrop(strokeWidth(scale(d, 4), 4), 0.05), DARK_ON_WHITE),
  'tight crop, very thick marker': (d) => onPaper(tightCrop(strokeWidth(scale(d, 4), 8), 0.05), DARK_ON_WHITE),
  'tight crop, fine pen': (d) => onPaper(tightCrop(strokeWidth(scale(d, 10), -8), 0.05), DARK_ON_WHITE),
  'tight crop, blurred': (d) => onPaper(tightCrop(blur(scale(d, 4), 3), 0.05), DARK_ON_WHITE),
  'tight crop, low contrast and grain': (d, rng) => onPaper(tightCrop(scale(d, 4), 0.05), { paper: 170, ink: 120, noise: 4 }, rng),
  'tight crop, JPEG quality 30': (d) => jpegRoundTrip(onPaper(tightCrop(scale(d, 3), 0.05), DARK_ON_WHITE), 30),
  'tight crop, rotated 8°': (d) => onPaper(tightCrop(rotate(scale(d, 4), 8), 0.05), DARK_ON_WHITE),
  'tight crop, light chalk on a dark board': (d, rng) => onPaper(tightCrop(scale(d, 4), 0.05), { paper: 40, ink: 215, noise: 5 }, rng),
  'light chalk on a dark board, with margin': (d, rng) => onPaper(scale(d, 4), { paper: 40, ink: 215, noise: 5 }, rng),
};

/** A number of `length` random test digits (2× MNIST size) as it is drawn in the tests and the benchmark. */
export function randomNumber(set: DigitSet, length: number, rng: Rng): { indices: number[] } & ComposedNumber {
  const indices = Array.from({ length }, () => Math.floor(rng() * set.count));
  return { indices, ...composeNumber(indices.map((i) => scale(mnistDigit(set, i), 2)), rng) };
}
