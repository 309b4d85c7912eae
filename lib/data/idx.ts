/**
 * Reader for the IDX format of MNIST-family datasets, raw or gzip-compressed.
 * Every structural problem becomes one clear error naming the file, never silently wrong data.
 */
import { PixelwiseError } from '../util/errors';
import { readFileNamed } from '../util/files';
import { constants as bufferConstants } from 'buffer';
import { constants, gunzipSync } from 'zlib';

const MAX_LENGTH = bufferConstants.MAX_LENGTH;

export class DataFileError extends PixelwiseError {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
  }
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Only unsigned bytes are used by the MNIST family; other IDX dtypes are refused rather than misread. */
const UBYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b];

/** Deflate cannot expand data more than about 1032-fold: a gzip smaller than promised/1032 cannot hold it. */
const MAX_DEFLATE_RATIO = 1032;
/** Enough compressed bytes to inflate any IDX header (at most 16 bytes) from. */
const HEADER_PREFIX = 1024;

/** The byte length an IDX header promises (header + data), or undefined when the bytes hold no full header. */
function promisedLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  const rank = bytes[3];
  const headerSize = 4 + 4 * rank;
  if (rank < 1 || rank > 3 || bytes.length < headerSize) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return headerSize + Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i)).reduce((a, b) => a * b, 1);
}

/**
 * Returns the decompressed bytes of a gzip file, or the bytes unchanged when they are not gzip. Inflation
 * stops at what the IDX header inside promises (plus one byte, so trailing data is still seen): a small
 * file that inflates to gigabytes is refused without ever holding them.
 */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes;
  let header: Uint8Array;
  try {
    header = gunzipSync(bytes.subarray(0, HEADER_PREFIX), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw new DataFileError(file, `corrupt gzip data (${(err as Error).message})`);
  }
  const promised = promisedLength(header);
  // No readable header: inflate a little and let decodeIdx say what is wrong with it.
  const limit = promised === undefined ? HEADER_PREFIX : promised + 1;
  if (limit > bytes.length * MAX_DEFLATE_RATIO + HEADER_PREFIX) {
    throw new DataFileError(file, `truncated: its IDX header promises ${promised} bytes, more than a ${bytes.length}-byte gzip file can hold`);
  }
  if (limit > MAX_LENGTH) throw new DataFileError(file, `its IDX header promises ${promised} bytes, more than this machine can hold in one buffer`);
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFileError(file, promised === undefined ? 'not an IDX file (no IDX header inside the gzip data)' : `inflates to more than the ${promised} bytes its IDX header promises`);
    }
    throw new DataFileError(file, `corrupt gzip data (${(err as Error).message})`);
  }
}

export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  bytes = gunzipIfNeeded(bytes, file);
  if (bytes.length < 4) throw new DataFileError(file, `too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFileError(file, 'wrong magic number: not an IDX file');
  }
  if (bytes[2] !== UBYTE) {
    throw new DataFileError(file, `unsupported IDX dtype 0x${bytes[2].toString(16)} (expected 0x08, unsigned byte)`);
  }
  const rank = bytes[3];
  if (rank < 1 || rank > 3) throw new DataFileError(file, `unsupported IDX rank ${rank} (expected 1 to 3)`);
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new DataFileError(file, `truncated header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerSize;
  if (actual < expected) {
    throw new DataFileError(file, `truncated: header promises ${dims.join('×')} = ${expected} bytes of data, file has ${actual}`);
  }
  if (actual > expected) {
    throw new DataFileError(file, `${actual - expected} unexpected trailing bytes after ${dims.join('×')} data`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

export function readIdxFile(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileNamed(file);
  } catch (err) {
    throw new DataFileError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decodeIdx(bytes, file);
}

/** Encodes unsigned-byte data as IDX; used to write test fixtures and exported subsets. */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = UBYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}
