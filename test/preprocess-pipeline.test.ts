import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  centerOfMass,
  fromMnistArray,
  grayImage,
  ImageError,
  inkBoundingBox,
  MNIST_PIXELS,
  preprocessGray,
  preprocessImage,
  resize,
  RgbaImage,
  toMnistInput,
} from '../lib/preprocess';
import { loadMnist } from '../lib/data/mnist';
import { createRng } from '../lib/data/random';

type Segment = [number, number, number, number];

/** Anti-aliased thick line segments in `ink` on `paper` (grey levels 0..255, alpha 255 unless transparent). */
function draw(width: number, height: number, segments: Segment[], thickness: number, { ink = 20, paper = 235, transparent = false } = {}): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let coverage = 0;
      for (const [x0, y0, x1, y1] of segments) {
        const dx = x1 - x0;
        const dy = y1 - y0;
        const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy || 1)));
        const d = Math.hypot(x - (x0 + t * dx), y - (y0 + t * dy));
        coverage = Math.max(coverage, Math.min(1, Math.max(0, thickness / 2 - d + 0.5)));
      }
      const p = (y * width + x) * 4;
      const value = transparent ? ink : Math.round(paper + (ink - paper) * coverage);
      data.set([value, value, value, transparent ? Math.round(255 * coverage) : 255], p);
    }
  }
  return { width, height, data };
}

/** A "7" drawn large in the top-left corner of a 300×220 sheet, dark on light. */
const SEVEN: Segment[] = [
  [20, 15, 150, 15],
  [150, 15, 70, 190],
  [60, 100, 130, 100],
];
const sheet = (options?: Parameters<typeof draw>[4]) => draw(300, 220, SEVEN, 14, options);

function asGray(pixels: Float32Array) {
  return grayImage(28, 28, pixels);
}

test('a dark-on-light, off-centre, oversized digit becomes MNIST-style: white on black, fitted into 20×20, centred by mass', () => {
  const out = preprocessImage(sheet());
  assert.is(out.length, MNIST_PIXELS);
  assert.ok(out.every((v) => v >= 0 && v <= 1), 'values in [0,1]');
  // White on black: the background (corners) is 0 and the strokes reach full intensity.
  assert.equal([out[0], out[27], out[28 * 27], out[783]], [0, 0, 0, 0]);
  assert.ok(Math.max(...out) > 0.99);
  // The 7 is taller (175 px) than wide (130+ px): its height becomes 20, its width shrinks in proportion.
  const box = inkBoundingBox(asGray(out))!;
  assert.is(box.height, 20);
  assert.ok(box.width >= 14 && box.width <= 17, `width ${box.width} keeps the aspect ratio`);
  // Pixel-index convention: pixel (row r, column c) is at (r, c), the frame spans 0..27, and MNIST's own
  // digits have their centre of mass at (14, 14) on average. Whole-pixel shifts land within half a pixel.
  const com = centerOfMass(asGray(out))!;
  assert.ok(Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5, `centre of mass ${com.x}, ${com.y}`);
});

test('polarity does not matter: light-on-dark and dark-on-light give the same result', () => {
  const darkOnLight = preprocessImage(sheet());
  const lightOnDark = preprocessImage(sheet({ ink: 235, paper: 20 }));
  let diff = 0;
  for (let p = 0; p < MNIST_PIXELS; p++) diff += Math.abs(darkOnLight[p] - lightOnDark[p]);
  // Equal up to the 8-bit rounding of the two drawings.
  assert.ok(diff < 0.1, `total difference ${diff}`);
});

test('black strokes on a transparent canvas are read as ink', () => {
  const opaque = preprocessImage(sheet());
  const transparent = preprocessImage(sheet({ ink: 0, transparent: true }));
  const box = inkBoundingBox(asGray(transparent))!;
  assert.is(box.height, 20);
  let diff = 0;
  for (let p = 0; p < MNIST_PIXELS; p++) diff += Math.abs(opaque[p] - transparent[p]);
  assert.ok(diff < 0.1, `total difference ${diff}`);
});

test('a tall thin stroke keeps its aspect ratio', () => {
  const one = preprocessImage(draw(120, 200, [[60, 20, 60, 180]], 12));
  const box = inkBoundingBox(asGray(one))!;
  assert.is(box.height, 20);
  assert.ok(box.width >= 2 && box.width <= 3, `width ${box.width}`);
});

test('a small digit is enlarged to fill the 20×20 box', () => {
  const tiny = preprocessImage(draw(40, 40, SEVEN.map((s) => s.map((v) => 8 + v / 15) as Segment), 1.5));
  assert.is(inkBoundingBox(asGray(tiny))!.height, 20);
});

test('faint paper noise and a stray speck do not move the digit', () => {
  const clean = preprocessImage(sheet());
  const noisy = sheet();
  const rng = createRng(7);
  for (let p = 0; p < noisy.data.length; p += 4) {
    const v = Math.max(0, Math.min(255, noisy.data[p] + Math.round((rng() - 0.5) * 30)));
    noisy.data.fill(v, p, p + 3);
  }
  // A 3×3 dot of ink far from the digit, bottom right.
  for (let y = 200; y < 203; y++) for (let x = 280; x < 283; x++) noisy.data.fill(20, (y * 300 + x) * 4, (y * 300 + x) * 4 + 3);
  const out = preprocessImage(noisy);
  assert.equal(inkBoundingBox(asGray(out)), inkBoundingBox(asGray(clean)));
  let diff = 0;
  let total = 0;
  for (let p = 0; p < MNIST_PIXELS; p++) {
    diff += Math.abs(out[p] - clean[p]);
    total += clean[p];
  }
  assert.ok(diff < 0.03 * total, `total difference ${diff} of ${total}`);
});

test('uneven lighting (a photo darker on one side) is not mistaken for ink', () => {
  const even = preprocessImage(sheet());
  const shaded = sheet();
  // Paper from grey level 235 on the right down to 165 on the left, and the ink darkened alike.
  for (let p = 0; p < shaded.data.length; p += 4) {
    const x = (p / 4) % 300;
    shaded.data.fill(Math.round(shaded.data[p] * (0.7 + 0.3 * (x / 299))), p, p + 3);
  }
  const out = preprocessImage(shaded);
  assert.equal(inkBoundingBox(asGray(out)), inkBoundingBox(asGray(even)));
  let diff = 0;
  let total = 0;
  for (let p = 0; p < MNIST_PIXELS; p++) {
    diff += Math.abs(out[p] - even[p]);
    total += even[p];
  }
  assert.ok(diff < 0.05 * total, `total difference ${diff} of ${total}`);
});

test('MNIST digits, already preprocessed this way, come out nearly as they went in', async () => {
  const { test: set } = await loadMnist();
  const n = 500;
  let relativeChange = 0;
  for (let i = 0; i < n; i++) {
    const digit = Float32Array.from(set.images.subarray(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS), (v) => v / 255);
    const out = preprocessGray(asGray(digit));
    let change = 0;
    let mass = 0;
    for (let p = 0; p < MNIST_PIXELS; p++) {
      change += Math.abs(out[p] - digit[p]);
      mass += digit[p];
    }
    relativeChange += change / mass / n;
    const com = centerOfMass(asGray(out))!;
    assert.ok(Math.abs(com.x - 14) <= 0.5 && Math.abs(com.y - 14) <= 0.5, `image ${i}: centre of mass ${com.x}, ${com.y}`);
  }
  assert.ok(relativeChange < 0.1, `mean change ${relativeChange} of the ink`);
});

test('a raw 28×28 array is already MNIST-style and passes unchanged', () => {
  const raw = Float32Array.from({ length: MNIST_PIXELS }, (_, i) => (i % 97) / 96);
  assert.equal(Array.from(toMnistInput(raw)), Array.from(raw));
  assert.equal(Array.from(fromMnistArray(Array.from(raw))), Array.from(raw));
  assert.throws(() => toMnistInput(new Float32Array(100)), /expected 784 values \(28×28\), got 100/);
  assert.throws(() => toMnistInput(Float32Array.from({ length: MNIST_PIXELS }, () => 255)), /value 255 at index 0 is outside \[0, 1\]/);
  assert.throws(() => toMnistInput(Float32Array.from({ length: MNIST_PIXELS }, () => NaN)), /outside \[0, 1\]/);
});

test('an RGBA image goes through the pipeline via toMnistInput', () => {
  assert.equal(Array.from(toMnistInput(sheet())), Array.from(preprocessImage(sheet())));
});

test('blank and empty images are rejected with clear errors', () => {
  const blank = draw(50, 40, [], 1);
  assert.throws(() => preprocessImage(blank), (err: Error) => err instanceof ImageError && err.message === 'blank image: no ink found');
  const faint = draw(50, 40, [[10, 20, 40, 20]], 4, { ink: 230, paper: 240 });
  assert.throws(() => preprocessImage(faint), /blank image: no ink found/);
  assert.throws(() => preprocessImage({ width: 0, height: 0, data: new Uint8Array(0) }), /empty image \(0×0 pixels\)/);
  assert.throws(() => preprocessImage({ width: 4, height: 4, data: new Uint8Array(10) }), /RGBA data holds 10 bytes, 4×4 needs 64/);
});

test('resize averages areas when shrinking and interpolates when enlarging', () => {
  const stripes = grayImage(4, 1, Float32Array.from([1, 0, 1, 0]));
  assert.equal(Array.from(resize(stripes, 2, 1).data), [0.5, 0.5]);
  assert.equal(Array.from(resize(grayImage(3, 1, Float32Array.from([0, 0.5, 1])), 1, 1).data), [0.5]);
  const ramp = resize(grayImage(2, 1, Float32Array.from([0, 1])), 4, 1).data;
  assert.equal(Array.from(ramp), [0, 0.25, 0.75, 1]);
});

test.run();
