/** Contrast normalisation: a faint pencil line and a bold marker stroke both end up as ink near 1. */
import { grayImage, Ink } from './image';
import { median, otsuThreshold } from './stats';

/**
 * Scales ink so that the typical stroke value becomes 1 (MNIST strokes are saturated at their core):
 * Otsu's threshold picks out the stroke pixels, their median is the stroke level. The median rather than
 * the maximum, so one dark speck cannot set the scale.
 */
export function normalizeContrast({ image, noise }: Ink): Ink {
  const threshold = otsuThreshold(image.data);
  const strokes = image.data.filter((v) => v >= threshold && v > 0);
  const level = strokes.length ? median(strokes) : 1;
  const out = grayImage(image.width, image.height);
  for (let p = 0; p < out.data.length; p++) out.data[p] = Math.min(1, image.data[p] / level);
  return { image: out, noise: noise / level };
}
