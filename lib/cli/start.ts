/** npm start — reproduces the experiments end to end: the whole notebook series, then the report. */
import { rmSync } from 'fs';
import { basename, relative } from 'path';
import { FRESH_ENV } from '../experiments/series';
import { planSeries, runSeries } from '../notebook/series';
import { buildReport } from '../report/html';
import { partsDir, REPORT_DIR } from '../report/record';
import { formatSeconds } from '../util/progress';
import { parseCli, runCli } from './cli';

const USAGE = `
Usage: npm start -- [--quick] [--fresh] [--param key=value ...] [--quiet]

  --quick          the quick profile: small subsets and one epoch (minutes instead of hours)
  --fresh          retrain every run and rerun every sweep (default: a finished one of the same configuration,
                   data and training code is reused, and the log says so)
  --param k=v      override a parameter in the notebooks that declare it (see npm run notebooks -- --help)
  --quiet          do not echo the notebooks' output

Executes notebooks/01-… to 06-… in order (full profile: every model on all of MNIST) into
results/notebooks/, then writes results/report/index.html — every figure and table in one
self-contained page — and a PNG and an SVG of every figure under results/report/figures/.
`;

runCli('start', USAGE, async () => {
  const { values } = parseCli(process.argv.slice(2), {
    quick: { type: 'boolean' },
    fresh: { type: 'boolean' },
    param: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  });
  const plan = planSeries([], values.quick, values.param);
  // Read by trainSeriesModel and runSeriesSweep inside the notebooks, which inherit this environment.
  if (values.fresh) process.env[FRESH_ENV] = '1';
  const started = Date.now();
  // The report describes this reproduction only: nothing left over from notebooks run earlier.
  rmSync(partsDir(REPORT_DIR), { recursive: true, force: true });
  const runs = await runSeries(plan.files, {
    injection: plan.injection,
    echo: !values.quiet,
    onStart: (file) => process.stderr.write(`\n=== ${basename(file)}\n`),
  });
  const reportStarted = Date.now();
  const { page, images } = await buildReport();
  const lines = runs.map((r) => `  ${basename(r.file).padEnd(20)} ${formatSeconds(r.seconds).padStart(7)}`);
  lines.push(`  ${'report'.padEnd(20)} ${formatSeconds((Date.now() - reportStarted) / 1000).padStart(7)}  (${images.length} images)`);
  process.stderr.write(`\n${lines.join('\n')}\n  ${'total'.padEnd(20)} ${formatSeconds((Date.now() - started) / 1000).padStart(7)}\n`);
  process.stdout.write(`report: ${relative(process.cwd(), page)}\n`);
});
