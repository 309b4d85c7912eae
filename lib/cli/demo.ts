/**
 * npm run demo — serves a local page where you draw a digit (or write a whole number on a wide pad) and a
 * trained model reads it live in the browser (tfjs, served from node_modules), through the same
 * preprocessing and number segmentation as npm run predict [--number].
 */
import { resolve } from 'path';
import { startDemoServer } from '../demo/server';
import { defaultModelRun } from '../report/reference';
import { intOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run demo [-- --run DIR --port N]

  --run DIR    the run whose model to serve (default: the reference run of best validation accuracy, see npm run models)
  --port N     port on 127.0.0.1 (default 8080; 0 picks a free one)

Open the printed URL, draw a digit with the mouse or a finger and watch the prediction; "Write a number"
switches to a wide pad that reads a whole number, digit by digit, as you write. A prediction below the
run's calibrated threshold (calibration.json, as npm run predict uses it) is marked uncertain.
Add ?backend=cpu to the URL to predict without WebGL. Ctrl-C stops the server.
`;

const DEFAULT_PORT = 8080;

runCli('demo', USAGE, async (argv) => {
  const { values } = parseCli(argv, { run: { type: 'string' }, port: { type: 'string' } });
  const port = intOption('port', values.port, { min: 0 }) ?? DEFAULT_PORT;
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const server = await startDemoServer(values.run ? resolve(values.run) : defaultModelRun(), port);
  process.stdout.write(`PixelWise demo: ${server.url}  (${server.run.model}, run ${server.run.run}) — Ctrl-C stops it\n`);
  await new Promise<void>((stopped) => {
    const stop = () => server.close().then(stopped);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
});
