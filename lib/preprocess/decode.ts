/** Reading PNG and JPEG files into RGBA (Node only: the browser demo gets its pixels from a canvas). */
import { readFileSync } from 'fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageError } from './errors';
import type { RgbaImage } from './image';
import { applyOrientation, exifOrientation } from './orientation';

export type ImageFormat = 'png' | 'jpeg';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/** The format told by the file's first bytes (not its name, which may lie). */
export function detectFormat(bytes: Uint8Array): ImageFormat | undefined {
  const startsWith = (signature: number[]) => signature.every((b, i) => bytes[i] === b);
  if (startsWith(PNG_SIGNATURE)) return 'png';
  if (startsWith(JPEG_SIGNATURE)) return 'jpeg';
  return undefined;
}

/**
 * Decoding needs 4 bytes per pixel before any step can shrink the image: larger images are refused by their
 * declared size, before decoding (a 100 KB PNG can declare 60000×60000). 40 megapixels admits phone photos.
 */
export const MAX_MEGAPIXELS = 40;

function tooLarge(width: number, height: number): ImageError {
  return new ImageError(`image too large: ${width}×${height} pixels (at most ${MAX_MEGAPIXELS} megapixels)`);
}

/** The size a PNG's IHDR chunk declares (always the first chunk, at a fixed offset). */
function pngDeclaredSize(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function decodePng(bytes: Buffer): RgbaImage {
  const declared = pngDeclaredSize(bytes);
  if (declared && declared.width * declared.height > MAX_MEGAPIXELS * 1e6) throw tooLarge(declared.width, declared.height);
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: png.data };
}

function decodeJpeg(bytes: Buffer): RgbaImage {
  // Not tolerant: a truncated or damaged file is an error, not a half-grey picture.
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxResolutionInMP: MAX_MEGAPIXELS }) as jpeg.RawImageData<Uint8Array> & {
    exifBuffer?: Uint8Array;
  };
  const image = { width: decoded.width, height: decoded.height, data: decoded.data };
  return decoded.exifBuffer ? applyOrientation(image, exifOrientation(decoded.exifBuffer)) : image;
}

export function decodeImage(bytes: Uint8Array, file?: string): RgbaImage {
  if (bytes.length === 0) throw new ImageError('empty file (0 bytes)', file);
  const format = detectFormat(bytes);
  if (!format) throw new ImageError('unsupported format: not a PNG or JPEG image', file);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let image: RgbaImage;
  try {
    image = format === 'png' ? decodePng(buffer) : decodeJpeg(buffer);
  } catch (err) {
    if (err instanceof ImageError) throw new ImageError(err.problem, file);
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test((err as Error).message)) throw new ImageError(`image too large (more than ${MAX_MEGAPIXELS} megapixels)`, file);
    throw new ImageError(`corrupt or truncated ${format.toUpperCase()} data (${(err as Error).message.split('\n')[0]})`, file);
  }
  if (image.width === 0 || image.height === 0) throw new ImageError(`empty image (${image.width}×${image.height} pixels)`, file);
  return image;
}

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory, not an image file',
  EACCES: 'permission denied',
};

export function readImageFile(file: string): RgbaImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new ImageError(READ_PROBLEMS[code] ?? `cannot read (${code || (err as Error).message})`, file);
  }
  return decodeImage(bytes, file);
}
