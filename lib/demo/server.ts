/**
 * The demo's local server: the page (demo/), its script with lib/preprocess bundled in, tfjs, and one run's
 * saved model, on 127.0.0.1 only. The run is read and its model loaded once, before the server listens.
 */
import { build, Plugin } from 'esbuild';
import { existsSync, readFileSync } from 'fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import { basename, isAbsolute, join, relative } from 'path';
import { loadModel } from '../models';
import { MODEL_FILE, readSavedModel } from '../models/manifest';
import { loadCalibration } from '../train/evaluate-run';
import { modelDir as runModelDir, readRunConfigFile, readSummary } from '../train/run-dir';
import { PROJECT_ROOT, RUNS_DIR } from '../util/paths';

const DEMO_DIR = join(PROJECT_ROOT, 'demo');

export interface ServedRun {
  modelDir: string;
  /** model/ files the page may fetch: model.json and the weight files it lists. */
  modelFiles: Set<string>;
  info: { run: string; model: string; testAccuracy: number | null; threshold: number };
}

/** How the page names the run: its path under results/runs, or its folder name when it lives elsewhere. */
function runName(dir: string): string {
  const inRuns = relative(RUNS_DIR, dir);
  return inRuns && !inRuns.startsWith('..') && !isAbsolute(inRuns) ? inRuns : basename(dir);
}

async function readRun(dir: string): Promise<ServedRun> {
  if (!existsSync(dir)) throw new Error(`${dir}: no such run directory`);
  const modelDir = runModelDir(dir);
  if (!existsSync(join(modelDir, MODEL_FILE))) throw new Error(`${dir}: no finished run here (model/model.json missing)`);
  // Loaded here once, at start, rather than failing inside the page: a truncated weight file or an unknown
  // layer class is refused naming the file.
  const saved = readSavedModel(modelDir);
  (await loadModel(modelDir)).dispose();
  const weightFiles = saved.weightFiles;
  // The page flags uncertain digits as predict does; computed once here for runs trained before calibration.json.
  const { threshold } = await loadCalibration(dir);
  // config.json and summary.json only label the page: a missing or damaged one is no reason to refuse.
  const tolerant = <T>(read: () => T) => {
    try {
      return read();
    } catch {
      return undefined;
    }
  };
  const config = tolerant(() => readRunConfigFile(dir));
  const summary = tolerant(() => readSummary(dir));
  return {
    modelDir,
    modelFiles: new Set(['model.json', ...weightFiles]),
    info: { run: runName(dir), model: config?.config?.model ?? summary?.model ?? 'model', testAccuracy: summary?.testAccuracy ?? null, threshold },
  };
}

/** Imports of @tensorflow/tfjs in the page script become the page's tf.min.js global: one tfjs, not two. */
const tfFromPage: Plugin = {
  name: 'tf-from-page',
  setup(bundler) {
    bundler.onResolve({ filter: /^@tensorflow\/tfjs$/ }, () => ({ path: 'tf', namespace: 'tf-from-page' }));
    bundler.onLoad({ filter: /.*/, namespace: 'tf-from-page' }, () => ({ contents: 'module.exports = globalThis.tf;', loader: 'js' }));
  },
};

/**
 * The page script with lib/preprocess (and the custom ViT layers) bundled in: the browser runs the very
 * code the CLI runs.
 */
async function bundlePageScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(DEMO_DIR, 'app.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    plugins: [tfFromPage],
  });
  return result.outputFiles[0].text;
}

type Asset = { type: string; body: () => Buffer | string };

function routes(run: ServedRun, script: string): Map<string, Asset> {
  const html = 'text/html; charset=utf-8';
  const js = 'text/javascript; charset=utf-8';
  const json = 'application/json; charset=utf-8';
  const table = new Map<string, Asset>([
    ['/', { type: html, body: () => readFileSync(join(DEMO_DIR, 'index.html')) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: () => readFileSync(join(DEMO_DIR, 'style.css')) }],
    ['/app.js', { type: js, body: () => script }],
    ['/tf.min.js', { type: js, body: () => readFileSync(require.resolve('@tensorflow/tfjs/dist/tf.min.js')) }],
    ['/run.json', { type: json, body: () => JSON.stringify(run.info) }],
  ]);
  for (const file of run.modelFiles) {
    table.set(`/model/${file}`, { type: file.endsWith('.json') ? json : 'application/octet-stream', body: () => readFileSync(join(run.modelDir, file)) });
  }
  return table;
}

function handler(table: Map<string, Asset>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const asset = table.get(path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    } else if (!asset) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
    } else {
      const body = asset.body();
      // no-store: a re-trained model or an edited page shows up on reload.
      res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    }
  };
}

export interface DemoServer {
  url: string;
  run: ServedRun['info'];
  /** Stops listening and drops open connections (an open page keeps its own alive). */
  close(): Promise<void>;
}

/** Serves the run in `runDir` on 127.0.0.1:`port` (0: any free port). */
export async function startDemoServer(runDir: string, port: number): Promise<DemoServer> {
  const run = await readRun(runDir);
  const server: Server = createServer(handler(routes(run, await bundlePageScript())));
  await new Promise<void>((ready, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; choose another with --port N (0 = any free port)`) : err),
    );
    server.listen(port, '127.0.0.1', ready);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    run: run.info,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        // Without this, close would wait for an open tab to go away.
        server.closeAllConnections();
      }),
  };
}
