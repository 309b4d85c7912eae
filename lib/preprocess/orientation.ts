/**
 * EXIF orientation: phone cameras store photos sideways and record the needed rotation in a tag, so a
 * photographed digit must be turned upright before it is read.
 */
import { RgbaImage } from './image';

const ORIENTATION_TAG = 0x0112;

/** The orientation (1..8, 1 = upright) in an EXIF block starting at its TIFF header; 1 when absent or unreadable. */
export function exifOrientation(exif: Uint8Array): number {
  // jpeg-js leaves one byte of the "Exif\0\0" marker in front of the TIFF header.
  const start = [0, 1, 6].find((s) => (exif[s] === 0x49 && exif[s + 1] === 0x49) || (exif[s] === 0x4d && exif[s + 1] === 0x4d));
  if (start === undefined || exif.length < start + 8) return 1;
  const view = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  const little = exif[start] === 0x49;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return 1;
  const entries = view.getUint16(ifd, little);
  for (let e = 0; e < entries; e++) {
    const at = ifd + 2 + e * 12;
    if (at + 12 > view.byteLength) return 1;
    if (view.getUint16(at, little) === ORIENTATION_TAG) {
      const value = view.getUint16(at + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** Where stored pixel (x, y) of a w×h image is displayed, for each of the eight EXIF orientations. */
const PLACEMENTS: ((x: number, y: number, w: number, h: number) => [number, number])[] = [
  (x, y) => [x, y],
  (x, y, w) => [w - 1 - x, y],
  (x, y, w, h) => [w - 1 - x, h - 1 - y],
  (x, y, w, h) => [x, h - 1 - y],
  (x, y) => [y, x],
  (x, y, w, h) => [h - 1 - y, x],
  (x, y, w, h) => [h - 1 - y, w - 1 - x],
  (x, y, w) => [y, w - 1 - x],
];

/** Turns a stored image upright according to its EXIF orientation. */
export function applyOrientation(image: RgbaImage, orientation: number): RgbaImage {
  if (orientation === 1) return image;
  const place = PLACEMENTS[orientation - 1];
  const { width: w, height: h } = image;
  const width = orientation >= 5 ? h : w;
  const height = orientation >= 5 ? w : h;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [dx, dy] = place(x, y, w, h);
      data.set(image.data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4), (dy * width + dx) * 4);
    }
  }
  return { width, height, data };
}
