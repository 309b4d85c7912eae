/** Light denoising of normalised ink: a noise floor, then removal of specks far smaller than the digit. */
import { GrayImage, grayImage, Ink } from './image';

/** Below this (on a 0..1 ink scale) is paper texture, sensor noise or JPEG ringing, not stroke… */
export const NOISE_FLOOR = 0.1;
/** …and so is anything within this many standard deviations of the background noise, on grainy photos. */
export const NOISE_SIGMAS = 3;
/** Parts of a digit (the bar of a 5, the stem of a 4) are far larger than this share of its largest part. */
export const SPECK_FRACTION = 0.1;

/** Labels 8-connected regions of non-zero pixels; returns per-pixel labels (0 = background, 1..n) and region areas. */
export function labelRegions({ width, height, data }: GrayImage): { labels: Int32Array; areas: number[] } {
  const labels = new Int32Array(data.length);
  const areas = [0];
  const stack: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (data[start] === 0 || labels[start]) continue;
    const label = areas.length;
    let area = 0;
    labels[start] = label;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      area++;
      const x = p % width;
      const y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const q = ny * width + nx;
          if (data[q] !== 0 && !labels[q]) {
            labels[q] = label;
            stack.push(q);
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

export function removeNoise({ image, noise }: Ink): GrayImage {
  const floor = Math.max(NOISE_FLOOR, NOISE_SIGMAS * noise);
  const floored = grayImage(image.width, image.height);
  for (let p = 0; p < image.data.length; p++) floored.data[p] = image.data[p] < floor ? 0 : image.data[p];
  const { labels, areas } = labelRegions(floored);
  const minArea = areas.reduce((a, b) => Math.max(a, b), 0) * SPECK_FRACTION;
  for (let p = 0; p < floored.data.length; p++) if (areas[labels[p]] < minArea) floored.data[p] = 0;
  return floored;
}
