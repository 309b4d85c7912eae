/** npm run notebooks — executes notebooks headlessly (tslab's executor in Node, no Jupyter or Python needed). */
import { basename, relative, resolve } from 'path';
import { planSeries, runSeries } from '../notebook/series';
import { parseCli, runCli } from './cli';

const USAGE = `
Usage: npm run notebooks -- [--quick] [--param key=value ...] [--out DIR] [--quiet] [NOTEBOOK ...]

  NOTEBOOK          01-data, 02 or a path to an .ipynb (default: the whole series notebooks/NN-*.ipynb)
  --quick           the quick profile: small subsets and one epoch (what tests and CI run)
  --param k=v       override parameter k in the notebooks that declare it; v is JSON (3, true, ["a","b"])
                    or else a string. Repeatable.
  --out DIR         where the executed notebooks go (default results/notebooks)
  --quiet           do not echo the notebooks' output

Runs the notebooks in order, each in a fresh process, and writes each executed notebook with its outputs.
Stops at the first failing cell with the notebook, the cell number and the error; the exit code is then 1.
`;

runCli('notebooks', USAGE, async () => {
  const { values, positionals } = parseCli(
    process.argv.slice(2),
    {
      quick: { type: 'boolean' },
      param: { type: 'string', multiple: true },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    true,
  );
  const plan = planSeries(positionals, values.quick, values.param);
  const runs = await runSeries(plan.files, {
    injection: plan.injection,
    echo: !values.quiet,
    outDir: values.out ? resolve(values.out) : undefined,
    onStart: (file) => process.stderr.write(`\n=== ${basename(file)}\n`),
  });
  for (const run of runs) process.stderr.write(`ok  ${basename(run.file).padEnd(20)} ${run.seconds.toFixed(1).padStart(7)} s  → ${relative(process.cwd(), run.outFile)}\n`);
});
