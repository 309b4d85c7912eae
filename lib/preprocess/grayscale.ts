/** RGBA → grey levels in [0,1], with transparency resolved so that drawn strokes stay visible. */
import { GrayImage, grayImage, RgbaImage } from './image';
import { ImageError } from './errors';

/** ITU-R BT.601 luma, the weights of most greyscale conversions (PIL's "L", libjpeg). */
function luma(r: number, g: number, b: number): number {
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255;
}

/**
 * Transparent pixels are composited over a background that contrasts with the opaque ones: black strokes
 * on a transparent canvas go over white, white strokes over black, so the digit never vanishes.
 */
export function toGrayscale(image: RgbaImage): GrayImage {
  const { width, height, data } = image;
  if (width <= 0 || height <= 0) throw new ImageError(`empty image (${width}×${height} pixels)`);
  if (data.length !== width * height * 4) {
    throw new ImageError(`RGBA data holds ${data.length} bytes, ${width}×${height} needs ${width * height * 4}`);
  }
  const out = grayImage(width, height);
  let alphaSum = 0;
  let weighted = 0;
  for (let p = 0, q = 0; p < out.data.length; p++, q += 4) {
    const alpha = data[q + 3] / 255;
    out.data[p] = luma(data[q], data[q + 1], data[q + 2]);
    alphaSum += alpha;
    weighted += alpha * out.data[p];
  }
  if (alphaSum === width * height) return out;
  const background = alphaSum > 0 && weighted / alphaSum < 0.5 ? 1 : 0;
  for (let p = 0, q = 3; p < out.data.length; p++, q += 4) {
    const alpha = data[q] / 255;
    out.data[p] = alpha * out.data[p] + (1 - alpha) * background;
  }
  return out;
}
