import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gzipSync } from 'zlib';
import { decodeIdx, encodeIdx, readIdxFile } from '../lib/data/idx';
import { loadDatasetDir, locateDataset } from '../lib/data/mnist';

const images = (n: number) => encodeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => i % 256));
const labels = (values: number[]) => encodeIdx([values.length], Uint8Array.from(values));

function datasetDir(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pixelwise-idx-'));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

const goodFiles = () => ({
  'train-images-idx3-ubyte': images(5),
  'train-labels-idx1-ubyte': labels([0, 1, 2, 3, 9]),
  't10k-images-idx3-ubyte': images(2),
  't10k-labels-idx1-ubyte': labels([4, 5]),
});

test('round-trips raw and gzip IDX', () => {
  const raw = images(3);
  for (const bytes of [raw, gzipSync(raw)]) {
    const idx = decodeIdx(bytes, 'x');
    assert.equal(idx.dims, [3, 28, 28]);
    assert.is(idx.data.length, 3 * 784);
    assert.is(idx.data[785], 785 % 256);
  }
});

test('rejects a wrong magic number, naming the file', () => {
  const bad = images(1);
  bad[0] = 7;
  assert.throws(() => decodeIdx(bad, 'some/file'), /some\/file: wrong magic number/);
});

test('rejects an unsupported dtype', () => {
  const bad = images(1);
  bad[2] = 0x0d;
  assert.throws(() => decodeIdx(bad, 'f'), /unsupported IDX dtype 0xd/);
});

test('rejects truncated data and trailing bytes', () => {
  const full = images(2);
  assert.throws(() => decodeIdx(full.subarray(0, full.length - 10), 'f'), /truncated: header promises 2×28×28 = 1568 bytes of data, file has 1558/);
  assert.throws(() => decodeIdx(full.subarray(0, 6), 'f'), /truncated header/);
  const longer = new Uint8Array(full.length + 3);
  longer.set(full);
  assert.throws(() => decodeIdx(longer, 'f'), /3 unexpected trailing bytes/);
});

test('rejects corrupt gzip', () => {
  const gz = gzipSync(images(2));
  assert.throws(() => decodeIdx(gz.subarray(0, gz.length - 20), 'data.gz'), /data.gz: corrupt gzip data/);
});

test('readIdxFile reports a missing file by name', () => {
  assert.throws(() => readIdxFile('/nonexistent/train-images-idx3-ubyte'), /\/nonexistent\/train-images-idx3-ubyte: cannot read: no such file or directory \(ENOENT\)/);
});

test('loads a dataset directory (raw and .gz mixed)', () => {
  const { 'train-images-idx3-ubyte': trainImages, ...rest } = goodFiles();
  const dir = datasetDir({ ...rest, 'train-images-idx3-ubyte.gz': gzipSync(trainImages) });
  const data = loadDatasetDir(dir, 'dir');
  assert.is(data.train.count, 5);
  assert.is(data.test.count, 2);
  assert.equal(Array.from(data.train.labels), [0, 1, 2, 3, 9]);
  assert.is(data.source.verifiedMnist, false);
});

test('rejects an image/label count mismatch', () => {
  const dir = datasetDir({ ...goodFiles(), 't10k-labels-idx1-ubyte': labels([1, 2, 3]) });
  assert.throws(() => loadDatasetDir(dir, 'dir'), /t10k-labels-idx1-ubyte: 3 labels but .*t10k-images-idx3-ubyte has 2 images/);
});

test('rejects an out-of-range label', () => {
  const dir = datasetDir({ ...goodFiles(), 'train-labels-idx1-ubyte': labels([0, 1, 12, 3, 4]) });
  assert.throws(() => loadDatasetDir(dir, 'dir'), /train-labels-idx1-ubyte: label 12 at index 2 is outside 0..9/);
});

test('a --data directory missing files is named', () => {
  const files: Record<string, Uint8Array> = goodFiles();
  delete files['t10k-images-idx3-ubyte'];
  const dir = datasetDir(files);
  assert.throws(() => locateDataset(dir), /missing IDX file\(s\): t10k-images-idx3-ubyte/);
  assert.throws(() => locateDataset('/nonexistent/dir'), /data directory does not exist/);
});

test('MNIST from a known source must match its checksums', () => {
  const dir = datasetDir(goodFiles());
  assert.throws(() => loadDatasetDir(dir, 'project'), /SHA-256 .* does not match the MNIST original/);
});

test.run();
