/** Seeded augmentation: a small random rotation, shift and (optionally) change of size of each image, bilinear resampling. */
import type { Rng } from './random';

export interface AugmentOptions {
  /** Max shift in pixels along each axis. */
  shift: number;
  /** Max rotation in degrees either way. */
  rotate: number;
  /** Max relative change of size (0.1: 0.9–1.1 times); 0 or absent leaves the size alone. */
  scale?: number;
}

/** Writes a randomly shifted, rotated and scaled copy of src (h×w, values in [0,1]) into out. */
export function augmentImage(src: Float32Array, out: Float32Array, height: number, width: number, rng: Rng, options: AugmentOptions): void {
  const angle = ((rng() * 2 - 1) * options.rotate * Math.PI) / 180;
  const dx = (rng() * 2 - 1) * options.shift;
  const dy = (rng() * 2 - 1) * options.shift;
  // Drawn only when asked for, so runs without scaling see the random stream they always saw.
  const scale = options.scale ? 1 + (rng() * 2 - 1) * options.scale : 1;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Inverse mapping: where in the source does this output pixel come from?
      const rx = x - cx - dx;
      const ry = y - cy - dy;
      const sx = cos * rx + sin * ry + cx;
      const sy = -sin * rx + cos * ry + cy;
      out[y * width + x] = bilinear(src, height, width, sx, sy);
    }
  }
}

function bilinear(src: Float32Array, height: number, width: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (yy: number, xx: number) => (yy < 0 || yy >= height || xx < 0 || xx >= width ? 0 : src[yy * width + xx]);
  return (
    at(y0, x0) * (1 - fx) * (1 - fy) + at(y0, x0 + 1) * fx * (1 - fy) + at(y0 + 1, x0) * (1 - fx) * fy + at(y0 + 1, x0 + 1) * fx * fy
  );
}

/** count images of height × width moved by (dx, dy) whole pixels, the uncovered border black: test-time views. */
export function shiftImages(images: Float32Array, count: number, height: number, width: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(images.length);
  const pixels = height * width;
  for (let n = 0; n < count; n++) {
    for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
      const from = n * pixels + (y - dy) * width;
      const to = n * pixels + y * width;
      for (let x = Math.max(0, dx); x < Math.min(width, width + dx); x++) out[to + x] = images[from + x - dx];
    }
  }
  return out;
}
