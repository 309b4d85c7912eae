/**
 * Anti-aliased resizing. Shrinking averages the source area under each output pixel (no aliasing, thin
 * strokes turn grey instead of vanishing); enlarging interpolates linearly (no blocky pixels).
 */
import { GrayImage, grayImage } from './image';

/** For each output index along one axis, the source indices and weights that make it up (weights sum to 1). */
type AxisWeights = { index: number; weight: number }[][];

function areaWeights(from: number, to: number): AxisWeights {
  const span = from / to;
  return Array.from({ length: to }, (_, j) => {
    const start = j * span;
    const end = start + span;
    const taps = [];
    for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) taps.push({ index: i, weight: overlap / span });
    }
    return taps;
  });
}

function linearWeights(from: number, to: number): AxisWeights {
  return Array.from({ length: to }, (_, j) => {
    // Pixel centres line up: output centre j+0.5 maps to source centre position (j+0.5)·from/to.
    const x = Math.min(from - 1, Math.max(0, ((j + 0.5) * from) / to - 0.5));
    const i = Math.floor(x);
    const frac = x - i;
    return frac > 0 ? [{ index: i, weight: 1 - frac }, { index: i + 1, weight: frac }] : [{ index: i, weight: 1 }];
  });
}

function axisWeights(from: number, to: number): AxisWeights {
  return to < from ? areaWeights(from, to) : linearWeights(from, to);
}

export function resize(image: GrayImage, width: number, height: number): GrayImage {
  if (width < 1 || height < 1) throw new Error(`cannot resize to ${width}×${height}`);
  const columns = axisWeights(image.width, width);
  const rows = axisWeights(image.height, height);
  // Separable: resample each row horizontally, then each column vertically.
  const wide = new Float32Array(width * image.height);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const { index, weight } of columns[x]) sum += weight * image.data[y * image.width + index];
      wide[y * width + x] = sum;
    }
  }
  const out = grayImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (const { index, weight } of rows[y]) sum += weight * wide[index * width + x];
      out.data[y * width + x] = sum;
    }
  }
  return out;
}
