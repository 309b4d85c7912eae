/** The digit's bounding box, and cropping to it. */
import { GrayImage, grayImage } from './image';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Smallest box holding every non-zero pixel; undefined for an all-zero image. */
export function inkBoundingBox({ width, height, data }: GrayImage): Box | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export function crop(image: GrayImage, box: Box): GrayImage {
  const out = grayImage(box.width, box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.y + y) * image.width + box.x;
    out.data.set(image.data.subarray(from, from + box.width), y * box.width);
  }
  return out;
}
