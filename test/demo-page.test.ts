/**
 * npm run demo end to end in headless Chromium: a small cnn-small is trained here, the demo server serves
 * its run, and digits drawn on the page's canvas with mouse strokes must be recognised, one at a time and
 * as a whole number on the wide pad.
 */
import type * as tf from '@tensorflow/tfjs';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Browser, chromium, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMnist } from '../lib/data/mnist';
import { predictProbabilities } from '../lib/eval/evaluate';
import { segmentNumber, toGrayscale, toMnistInput } from '../lib/preprocess';
import { resolveConfig } from '../lib/train/config';
import { trainRun } from '../lib/train/run';
import { PROJECT_ROOT } from '../lib/util/paths';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const dir = mkdtempSync(join(tmpdir(), 'pixelwise-demo-'));
const runDir = join(dir, 'run');
let model: tf.LayersModel;
let server: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
const requested: string[] = [];

function demoCli(...args: string[]): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register', 'lib/cli/demo.ts', ...args], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts the server on a free port and resolves with the URL it prints. */
function startServer(): Promise<string> {
  server = demoCli('--run', runDir, '--port', '0');
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    server.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = stdout.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (match) resolve(match[0]);
    });
    server.stderr!.on('data', (chunk) => (stderr += chunk));
    server.once('exit', (code) => reject(new Error(`demo server exited (${code}) before printing its URL: ${stderr}`)));
  });
}

test.before(async () => {
  const data = await loadMnist();
  const config = resolveConfig({ model: 'cnn-small', modelOptions: { width: 16 }, epochs: 2, trainLimit: 4400, testLimit: 500, valFraction: 0.1, backend: 'wasm' });
  ({ model } = await trainRun(config, { runDir, data }));
  url = await startServer();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 820, height: 640 } });
  page.on('request', (request) => requested.push(request.url()));
  // The CPU backend: headless Chromium without a GPU has no fast WebGL, and CPU is plenty for one digit.
  await page.goto(`${url}?backend=cpu`);
  await page.waitForSelector('body[data-state=ready]');
});

test.after(async () => {
  await browser?.close();
  if (server?.exitCode === null) server.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
});

/** The pad's pixels as the page reads them. */
async function padPixels(): Promise<{ width: number; height: number; data: Uint8Array }> {
  const { width, height, data } = await page.$eval('#pad', (canvas) => {
    const c = canvas as HTMLCanvasElement;
    return { width: c.width, height: c.height, data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) };
  });
  return { width, height, data: Uint8Array.from(data) };
}

/** Draws strokes given in pad coordinates (0..280 high) with the mouse, then waits until the shown result is for the final drawing. */
async function draw(strokes: [number, number][][]): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const [width, height] = await page.$eval('#pad', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]);
  const at = ([x, y]: [number, number]): [number, number] => [box.x + (x * box.width) / width, box.y + (y * box.height) / height];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 6 });
    await page.mouse.up();
  }
  await page.waitForFunction(() => document.body.dataset.predicted === document.body.dataset.drawn);
}

async function shownResult(): Promise<{ digit: string; probabilities: number[] }> {
  return {
    digit: (await page.textContent('#digit'))!,
    probabilities: await page.$$eval('#bars li', (items) => items.map((li) => Number((li as HTMLElement).dataset.probability))),
  };
}

async function clear(): Promise<void> {
  await page.click('#clear');
  await page.waitForFunction(() => document.body.dataset.predicted === document.body.dataset.drawn);
}

const ellipse = (cx: number, cy: number, rx: number, ry: number): [number, number][] =>
  Array.from({ length: 33 }, (_, i) => [cx + rx * Math.sin((i / 32) * 2 * Math.PI), cy - ry * Math.cos((i / 32) * 2 * Math.PI)]);

test('the page loads the run\'s model and waits for a drawing', async () => {
  assert.match((await page.textContent('#model-info'))!, /^cnn-small from run run — \d+\.\d\d% on the MNIST test set$/);
  assert.is(await page.textContent('#digit'), '–');
  assert.is(await page.textContent('#status'), '');
});

test('a vertical stroke is recognised as 1', async () => {
  await draw([[[140, 40], [140, 240]]]);
  const { digit, probabilities } = await shownResult();
  assert.is(digit, '1');
  assert.is(probabilities.length, 10);
  assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
  assert.is(probabilities.indexOf(Math.max(...probabilities)), 1);
  assert.is(await page.$$eval('#bars li.top', (items) => items.map((li) => li.textContent![0]).join('')), '1');
});

test('clearing the pad clears the prediction', async () => {
  await clear();
  assert.is((await shownResult()).digit, '–');
});

test('an ellipse drawn off-centre and small is recognised as 0', async () => {
  await clear();
  await draw([ellipse(90, 100, 30, 50)]);
  assert.is((await shownResult()).digit, '0');
});

test('the page preprocesses and predicts exactly as Node does on the same drawing', async () => {
  await clear();
  await draw([[[80, 60], [200, 60], [120, 230]]]);
  const input = toMnistInput(await padPixels());
  const expected = predictProbabilities(model, input, 1);
  const { probabilities } = await shownResult();
  probabilities.forEach((p, d) => assert.ok(Math.abs(p - expected[d]) < 1e-4, `digit ${d}: page ${p}, Node ${expected[d]}`));
});

test('on the wide pad a 1 and a 0 written side by side are read as the number 10, flagged as Node flags them', async () => {
  await page.click('#mode');
  await page.waitForFunction(() => document.body.dataset.mode === 'number' && document.body.dataset.predicted === document.body.dataset.drawn);
  assert.is(await page.textContent('#number'), '–');
  await draw([[[200, 40], [200, 240]], ellipse(520, 140, 60, 100)]);
  assert.is(await page.textContent('#number'), '10');
  const shown = await page.$$eval('#number-digits li', (items) => items.map((li) => ({ ...(li as HTMLElement).dataset })));
  assert.equal(shown.map((d) => d.digit), ['1', '0']);
  // The same segmentation and model in Node give the same confidences; the flag uses the served threshold.
  const { threshold } = await (await page.request.get(`${url}run.json`)).json();
  assert.ok(threshold > 0 && threshold <= 1, `threshold ${threshold}`);
  const digits = segmentNumber(toGrayscale(await padPixels()));
  const expected = predictProbabilities(model, Float32Array.from(digits.flatMap((d) => Array.from(d.input))), digits.length);
  shown.forEach((d, i) => {
    const confidence = expected[i * 10 + Number(d.digit)];
    assert.ok(Math.abs(Number(d.confidence) - confidence) < 1e-4, `digit ${i}: page ${d.confidence}, Node ${confidence}`);
    assert.is(d.uncertain, String(confidence < threshold));
  });
  assert.is(await page.getAttribute('#number', 'data-uncertain'), String(shown.some((d) => d.uncertain === 'true')));
  await page.click('#mode');
  await page.waitForFunction(() => document.body.dataset.mode === 'digit');
});

test('everything the page loads comes from the demo server (tfjs included, no CDN)', async () => {
  assert.ok(requested.some((r) => r.endsWith('/tf.min.js')));
  assert.ok(requested.some((r) => r.endsWith('/model/weights.bin')));
  assert.equal(requested.filter((r) => !r.startsWith(url)), []);
  assert.is((await page.request.get(`${url}model/../config.json`)).status(), 404);
  assert.is((await page.request.get(`${url}nothing-here`)).status(), 404);
});

test('Ctrl-C stops the server', async () => {
  const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
  server.kill('SIGINT');
  assert.is(await exited, 0);
});

test('a bad --run is a one-line error', () => {
  const result = spawnSync(process.execPath, ['-r', 'ts-node/register', 'lib/cli/demo.ts', '--run', join(dir, 'nowhere'), '--port', '0'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  assert.is(result.status, 1);
  assert.is(result.stderr, `demo: ${join(dir, 'nowhere')}: no such run directory\n`);
});

test.run();
