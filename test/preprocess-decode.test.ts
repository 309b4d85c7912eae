import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as jpeg from 'jpeg-js';
import { tmpdir } from 'os';
import { join } from 'path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageError } from '../lib/preprocess';
import { decodeImage, detectFormat, readImageFile } from '../lib/preprocess/decode';

const WIDTH = 24;
const HEIGHT = 16;

/** A test card: each pixel's colour tells its position (red = x, green = y), blue a fixed 77. */
function card(): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) data.set([x * 10, y * 15, 77, 255], (y * WIDTH + x) * 4);
  return data;
}

function encodePng(data: Uint8Array, options: { colorType?: 0 | 2 | 4 | 6 } = {}): Buffer {
  const png = new PNG({ width: WIDTH, height: HEIGHT });
  png.data = Buffer.from(data);
  return PNG.sync.write(png, { colorType: options.colorType ?? 6 });
}

/** An EXIF block (big-endian TIFF) holding only the orientation tag. */
function exifWithOrientation(orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-decode-'));
function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('decodes an RGBA PNG exactly', () => {
  const image = decodeImage(encodePng(card()));
  assert.is(image.width, WIDTH);
  assert.is(image.height, HEIGHT);
  assert.equal(Array.from(image.data), Array.from(card()));
});

test('decodes a greyscale PNG to RGBA', () => {
  const image = decodeImage(encodePng(card(), { colorType: 0 }));
  const p = (3 * WIDTH + 5) * 4;
  assert.is(image.data[p], image.data[p + 1]);
  assert.is(image.data[p], image.data[p + 2]);
  assert.is(image.data[p + 3], 255);
});

test('decodes a JPEG (lossy: close to the original)', () => {
  const bytes = jpeg.encode({ width: WIDTH, height: HEIGHT, data: card() }, 95).data;
  assert.is(detectFormat(bytes), 'jpeg');
  const image = decodeImage(bytes);
  assert.is(image.width, WIDTH);
  assert.is(image.height, HEIGHT);
  const original = card();
  let error = 0;
  for (let i = 0; i < original.length; i++) error = Math.max(error, Math.abs(image.data[i] - original[i]));
  assert.ok(error < 16, `max error ${error}`);
});

test('turns a JPEG upright by its EXIF orientation (6: stored rotated, displayed 90° clockwise)', () => {
  const bytes = jpeg.encode({ width: WIDTH, height: HEIGHT, data: card(), exifBuffer: exifWithOrientation(6) } as jpeg.RawImageData<Uint8Array>, 95).data;
  const image = decodeImage(bytes);
  assert.is(image.width, HEIGHT);
  assert.is(image.height, WIDTH);
  // The stored top-left pixel (x=0, y=0) is displayed at the top right; stored (x=20, y=2) at column H-1-2, row 20.
  const at = (x: number, y: number) => Array.from(image.data.subarray((y * HEIGHT + x) * 4, (y * HEIGHT + x) * 4 + 2));
  const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 16);
  assert.ok(near(at(HEIGHT - 1, 0), [0, 0]), `${at(HEIGHT - 1, 0)}`);
  assert.ok(near(at(HEIGHT - 1 - 2, 20), [200, 30]), `${at(HEIGHT - 1 - 2, 20)}`);
});

test('reads PNG and JPEG files whatever their extension says', () => {
  assert.is(readImageFile(file('card.png', encodePng(card()))).width, WIDTH);
  assert.is(readImageFile(file('photo.JPG', jpeg.encode({ width: WIDTH, height: HEIGHT, data: card() }, 80).data)).height, HEIGHT);
  assert.is(readImageFile(file('really-a-png.jpg', encodePng(card()))).width, WIDTH);
});

/** The problem an ImageError reports (without the file name), or fails the test. */
function problemOf(action: () => unknown): string {
  try {
    action();
  } catch (err) {
    assert.instance(err, ImageError);
    return (err as ImageError).problem;
  }
  assert.unreachable('expected an ImageError');
  return '';
}

test('rejects zero-size, non-image, corrupt and unreadable files with clear messages', () => {
  const png = encodePng(card());
  const jpg = jpeg.encode({ width: WIDTH, height: HEIGHT, data: card() }, 80).data;
  assert.is(problemOf(() => readImageFile(file('zero.png', ''))), 'empty file (0 bytes)');
  assert.is(problemOf(() => readImageFile(file('notes.png', 'just some text\n'))), 'unsupported format: not a PNG or JPEG image');
  assert.is(problemOf(() => readImageFile(file('pic.gif', 'GIF89a\x01\x00\x01\x00'))), 'unsupported format: not a PNG or JPEG image');
  assert.match(problemOf(() => readImageFile(file('cut.png', png.subarray(0, 60)))), /^corrupt or truncated PNG data \(/);
  const garbled = Buffer.from(png);
  garbled.fill(0xab, 40, 80);
  assert.match(problemOf(() => readImageFile(file('garbled.png', garbled))), /^corrupt or truncated PNG data \(/);
  assert.match(problemOf(() => readImageFile(file('cut.jpg', jpg.subarray(0, 40)))), /^corrupt or truncated JPEG data \(/);
  assert.is(problemOf(() => readImageFile(join(dir, 'missing.png'))), 'no such file');
  mkdirSync(join(dir, 'folder.png'));
  assert.is(problemOf(() => readImageFile(join(dir, 'folder.png'))), 'is a directory, not an image file');
});

test('errors name the file they are about', () => {
  const path = file('empty.jpg', '');
  assert.throws(() => readImageFile(path), (err: Error) => err.message === `${path}: empty file (0 bytes)`);
});

test.run();
