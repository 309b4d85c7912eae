/** Ink as positive values over a zero background, whichever way round the input was and however it was lit. */
import { estimateBackground } from './background';
import { GrayImage, grayImage, Ink } from './image';
import { median } from './stats';

function borderValues({ width, height, data }: GrayImage): Float32Array {
  if (width <= 2 || height <= 2) return data;
  const out: number[] = [];
  for (let x = 0; x < width; x++) out.push(data[x], data[(height - 1) * width + x]);
  for (let y = 1; y < height - 1; y++) out.push(data[y * width], data[y * width + width - 1]);
  return Float32Array.from(out);
}

/**
 * MNIST is white ink on black; photos, scans and most drawings are dark on light. The image border is
 * almost all background even when the digit is large, so its median tells which case this is. Ink is
 * then measured from the local background level, which follows uneven lighting.
 */
export function toInk(gray: GrayImage): Ink {
  const darkOnLight = median(borderValues(gray)) > 0.5;
  const { level, noise } = estimateBackground(gray, darkOnLight);
  const image = grayImage(gray.width, gray.height);
  for (let p = 0; p < image.data.length; p++) {
    const ink = darkOnLight ? level[p] - gray.data[p] : gray.data[p] - level[p];
    image.data[p] = Math.max(0, ink);
  }
  return { image, noise };
}
