/**
 * Last-resort download of the MNIST files from a public mirror, verified by SHA-256 of the
 * decompressed content before anything is written. Only used when no local copy exists.
 */
import { createHash } from 'crypto';
import { get } from 'https';
import { join } from 'path';
import { gunzipSync } from 'zlib';
import { writeFileAtomic } from '../util/atomic';
import { progressBar } from '../util/progress';

export const MNIST_MIRROR = process.env.PIXELWISE_MNIST_MIRROR ?? 'https://ossci-datasets.s3.amazonaws.com/mnist/';

function fetchBytes(url: string, label: string): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    get(url, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${url}: HTTP ${res.statusCode}`));
        return;
      }
      const total = Number(res.headers['content-length'] ?? 0);
      const bar = progressBar(label, total);
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        bar.update(received, { MB: (received / 1e6).toFixed(1) });
      });
      res.on('end', () => {
        bar.finish({ MB: (received / 1e6).toFixed(1) });
        resolvePromise(Buffer.concat(chunks));
      });
      res.on('error', reject);
    }).on('error', (err) => reject(new Error(`${url}: ${err.message}`)));
  });
}

export async function downloadFiles(targetDir: string, files: { name: string; sha256: string }[]): Promise<void> {
  process.stderr.write(`MNIST not found locally; downloading into ${targetDir}\n`);
  for (const { name, sha256 } of files) {
    const url = `${MNIST_MIRROR}${name}.gz`;
    const content = gunzipSync(await fetchBytes(url, name));
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== sha256) throw new Error(`${url}: checksum mismatch (got ${actual.slice(0, 12)}…, expected ${sha256.slice(0, 12)}…)`);
    writeFileAtomic(join(targetDir, name), content);
  }
}
