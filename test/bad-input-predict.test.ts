/**
 * npm run predict, given hostile arguments, damaged runs and hostile images. A file that cannot be read gets
 * its {"file","error"} line on stdout and the one stderr line names it; images that are unusual but valid
 * (16-bit, alpha-only, CMYK, progressive) are predicted. test/fixtures/seven-cmyk.jpg and
 * seven-progressive.jpg are MNIST test digit 0 (a 7) converted by ImageMagick (`-colorspace CMYK`) and
 * jpegtran (`-progressive`), which jpeg-js cannot write.
 */
import { BACKEND_ORDER } from '../lib/backend/select';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'fs';
import * as jpeg from 'jpeg-js';
import { join } from 'path';
import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateSync } from 'zlib';
import { BadCase, badInputMatrix, damagedRun, finishedRun, Outcome, runArgs, tempDir } from './bad-input';
import { mnistSubset } from './helpers';

let run = '';
let dir = '';
const FIXTURES = join(__dirname, 'fixtures');

/** A 56×56 dark-on-white digit (MNIST test image 0), as RGBA. */
async function sevenRgba(): Promise<{ width: number; height: number; data: Buffer }> {
  const { test: set } = await mnistSubset(1, 1);
  const data = Buffer.alloc(56 * 56 * 4);
  for (let y = 0; y < 56; y++) {
    for (let x = 0; x < 56; x++) {
      const v = 255 - set.images[Math.floor(y / 2) * 28 + Math.floor(x / 2)];
      data.set([v, v, v, 255], (y * 56 + x) * 4);
    }
  }
  return { width: 56, height: 56, data };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])));
  return Buffer.concat([head, body, crc]);
}

/** A valid 8-bit greyscale PNG of a white page, written without holding its RGBA (pngjs would need 4 bytes a pixel). */
function whitePagePng(width: number, height: number, rows = height): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const scanlines = Buffer.alloc(rows * (width + 1), 255);
  for (let r = 0; r < rows; r++) scanlines[r * (width + 1)] = 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(scanlines)), chunk('IEND', Buffer.alloc(0))]);
}

/** A small real JPEG whose SOF0 marker is made to declare width×height. */
function jpegDeclaring(bytes: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(bytes);
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]));
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}

const file = (name: string) => join(dir, name);
const predict = (...images: string[]) => () => ['--run', run, '--backend', 'wasm', ...images.map(file)];

/** stdout holds one JSON line per image: an error for `failed`, a digit for the others. */
const linesSay = (failed: string[]) => (outcome: Outcome) => {
  const lines = outcome.stdout.trim().split('\n').map((line) => JSON.parse(line));
  for (const line of lines) {
    if (failed.includes(line.file.split('/').pop())) assert.type(line.error, 'string', JSON.stringify(line));
    else assert.ok(Number.isInteger(line.digit) && line.probabilities.length === 10, JSON.stringify(line));
  }
};

const image = (name: string, says: RegExp): BadCase => ({ name: `${name.replace(/\.\w+$/, '').replace(/-/g, ' ')} is refused naming the file`, args: predict(name), code: 1, says: new RegExp(`${name}: ${says.source}`), check: linesSay([name]) });
const works = (name: string, label: string): BadCase => ({ name: `${label} is predicted`, args: predict(name), code: 0, check: linesSay([]) });

/** A copy of the finished run with its model damaged. */
const damagedModel = (name: string, damage: (modelDir: string) => void, says: RegExp) =>
  damagedRun(name, (run) => damage(join(run, 'model')), says, (run) => [...runArgs(run), file('seven.png')]);

const cases: BadCase[] = [
  { name: 'no image is refused', args: () => ['--run', run], code: 2, says: /give at least one IMAGE file/ },
  { name: '--top 11 is refused', args: () => ['--run', run, '--top', '11', file('seven.png')], code: 2, says: /--top must be at most 10, got 11/ },
  { name: '--top 0 is refused', args: () => ['--run', run, '--top', '0', file('seven.png')], code: 2, says: /--top must be an integer ≥ 1, got "0"/ },
  { name: '--top -1 gives the range message', args: () => ['--run', run, '--top', '-1', file('seven.png')], code: 2, says: /--top must be an integer ≥ 1, got "-1"/ },
  { name: '--backend nope is refused', args: () => ['--run', run, '--backend', 'nope', file('seven.png')], code: 2, says: new RegExp(`--backend must be one of ${BACKEND_ORDER.join(", ")}`) },
  { name: 'an unknown option is refused', args: () => ['--run', run, '--colour', file('seven.png')], code: 2, says: /Unknown option '--colour'/ },
  { name: 'a missing run directory is named', args: () => ['--run', '/nonexistent/run', file('seven.png')], code: 1, says: /\/nonexistent\/run: no such run directory/ },
  { name: 'a directory without a model is named', args: () => ['--run', dir, file('seven.png')], code: 1, says: /no saved model here/ },
  damagedModel('a truncated model/weights.bin is named', (m) => truncateSync(join(m, 'weights.bin'), 1000), /model\/weights\.bin: truncated: model\.json lists \d+ bytes of weights, found 1000/),
  damagedModel('an empty model/weights.bin is named', (m) => truncateSync(join(m, 'weights.bin'), 0), /model\/weights\.bin: truncated: .* found 0/),
  damagedModel('a corrupt model/model.json is named', (m) => writeFileSync(join(m, 'model.json'), '{"format": "layers-mo'), /model\/model\.json: corrupt or truncated JSON/),
  damagedModel('an unknown layer class in model/model.json is named', (m) => {
    writeFileSync(join(m, 'model.json'), readFileSync(join(m, 'model.json'), 'utf8').replace('"class_name": "Dense"', '"class_name": "Bogus"'));
  }, /model\/model\.json: cannot rebuild the model \(Unknown layer: Bogus\)\)$/),

  image('empty.png', /empty file \(0 bytes\)/),
  image('text.png', /unsupported format: not a PNG or JPEG image/),
  image('truncated.png', /corrupt or truncated PNG data/),
  image('truncated.jpg', /corrupt or truncated JPEG data/),
  image('one-pixel.png', /image too small: 1×1 pixels \(at least 8 on its longer side\)/),
  image('blank.png', /blank image: no ink found/),
  image('picture.gif', /unsupported format/),
  image('speck-3.png', /blank image: no ink found \(only a 3×3-pixel speck\)/),
  image('dot-8.png', /blank image: no ink found \(only a 8×8-pixel speck\)/),
  image('huge-10000.png', /image too large: 10000×10000 pixels \(at most 40 megapixels\)/),
  image('huge-10000.jpg', /image too large \(more than 40 megapixels\)/),
  image('declared-60000.png', /image too large: 60000×60000 pixels/),
  { name: 'a missing image is named', args: predict('nowhere.png'), code: 1, says: /nowhere\.png: no such file/, check: linesSay(['nowhere.png']) },
  { name: 'a directory given as an image is named', args: predict('folder.png'), code: 1, says: /folder\.png: is a directory, not an image file/, check: linesSay(['folder.png']) },
  { name: '--raw with an image of another size than the model is named', args: () => ['--run', run, '--raw', file('seven.png')], code: 1, says: /seven\.png: --raw needs a 28×28 image \(the model's size\), this one is 56×56/ },
  { name: 'one bad image among good ones is named alone and the others are predicted', args: predict('seven.png', 'empty.png', 'seven-16bit.png'), code: 1, says: /empty\.png: empty file \(0 bytes\) \(the other 2 image\(s\) predicted\)$/, check: linesSay(['empty.png']) },
  { name: 'several bad images are all named on one line', args: predict('empty.png', 'seven.png', 'text.png'), code: 1, says: /2 of 3 image\(s\) could not be predicted: .*empty\.png, .*text\.png$/, check: linesSay(['empty.png', 'text.png']) },
  works('seven.png', 'a plain PNG digit'),
  works('seven-16bit.png', 'a 16-bit greyscale PNG'),
  works('seven-alpha.png', 'an alpha-only PNG (black ink whose shape is in the alpha channel)'),
  works('seven-cmyk.jpg', 'a CMYK JPEG'),
  works('seven-progressive.jpg', 'a progressive JPEG'),
  works('seven-named.jpg', 'a PNG named .jpg (the content decides)'),
];

test.before(async () => {
  run = (await finishedRun()).run;
  dir = tempDir('images');
  const seven = await sevenRgba();
  const png = new PNG({ width: 56, height: 56 });
  seven.data.copy(png.data);
  const sevenPng = PNG.sync.write(png);
  writeFileSync(file('seven.png'), sevenPng);
  writeFileSync(file('seven-named.jpg'), sevenPng);
  // pngjs writes 16-bit PNGs from 16-bit channel values.
  const deep = new PNG({ width: 56, height: 56 });
  deep.data = Buffer.from(Uint16Array.from(seven.data, (v) => v * 257).buffer);
  writeFileSync(file('seven-16bit.png'), PNG.sync.write(deep, { colorType: 0, bitDepth: 16 }));
  const alpha = new PNG({ width: 56, height: 56 });
  for (let p = 0; p < 56 * 56; p++) alpha.data.set([0, 0, 0, 255 - seven.data[p * 4]], p * 4);
  writeFileSync(file('seven-alpha.png'), PNG.sync.write(alpha));
  for (const name of ['seven-cmyk.jpg', 'seven-progressive.jpg']) writeFileSync(file(name), readFileSync(join(FIXTURES, name)));
  const sevenJpeg = Buffer.from(jpeg.encode(seven, 90).data);
  writeFileSync(file('truncated.jpg'), sevenJpeg.subarray(0, sevenJpeg.length >> 1));
  writeFileSync(file('huge-10000.jpg'), jpegDeclaring(sevenJpeg, 10000, 10000));
  writeFileSync(file('empty.png'), '');
  writeFileSync(file('text.png'), 'this is not a picture\n');
  writeFileSync(file('truncated.png'), sevenPng.subarray(0, sevenPng.length >> 1));
  writeFileSync(file('one-pixel.png'), whitePagePng(1, 1));
  writeFileSync(file('blank.png'), whitePagePng(200, 200));
  writeFileSync(file('picture.gif'), Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
  writeFileSync(file('huge-10000.png'), whitePagePng(10000, 10000));
  // Declares 60000×60000 but holds a single row: refused by the header alone.
  writeFileSync(file('declared-60000.png'), whitePagePng(60000, 60000, 1));
  for (const [name, dot] of [['speck-3.png', 3], ['dot-8.png', 8]] as const) {
    const page = new PNG({ width: 400, height: 400 });
    page.data.fill(255);
    for (let y = 0; y < dot; y++) for (let x = 0; x < dot; x++) page.data.set([0, 0, 0, 255], ((150 + y) * 400 + 220 + x) * 4);
    writeFileSync(file(name), PNG.sync.write(page));
  }
  mkdirSync(file('folder.png'));
  rmSync(file('nowhere.png'), { force: true });
});

badInputMatrix(test, 'predict.ts', 'predict', cases);

test.run();
