/** Ink as positive values over a zero background, whichever way round the input was and however it was lit. */
import { estimateBackground } from './background';
import { GrayImage, grayImage, Ink } from './image';
import { otsuThreshold } from './stats';

/**
 * Which side is paper, from the image as a whole. Otsu's threshold on the grey levels splits the pixels into
 * a dark and a light class; paper is the class that covers most of the image and of its border. A tightly
 * cropped digit fills its frame and touches all four sides, yet its ink stays the smaller class (strokes
 * are thin next to the spaces between them), so the border alone, nearly all ink there, is not asked alone.
 * Ties go to dark ink on light paper, the common case.
 */
export function paperIsLight({ width, height, data }: GrayImage, threshold: number): boolean {
  let dark = 0;
  let border = 0;
  let darkBorder = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const isDark = data[y * width + x] < threshold ? 1 : 0;
      dark += isDark;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) {
        border++;
        darkBorder += isDark;
      }
    }
  }
  return (dark / data.length + darkBorder / border) / 2 <= 0.5;
}

/**
 * MNIST is white ink on black; photos, scans and most drawings are dark on light. Ink is measured from the
 * local background level, which follows uneven lighting; the fit starts from the pixels on the paper side
 * of the threshold, wherever they are. The fitted paper level comes back too, to be looked at.
 */
export function toInk(gray: GrayImage): Ink & { paper: GrayImage } {
  const threshold = otsuThreshold(gray.data);
  const darkOnLight = paperIsLight(gray, threshold);
  const { level, noise } = estimateBackground(gray, darkOnLight, threshold);
  const image = grayImage(gray.width, gray.height);
  for (let p = 0; p < image.data.length; p++) {
    const ink = darkOnLight ? level[p] - gray.data[p] : gray.data[p] - level[p];
    image.data[p] = Math.max(0, ink);
  }
  return { image, noise, paper: grayImage(gray.width, gray.height, level) };
}
