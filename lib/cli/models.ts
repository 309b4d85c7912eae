/** npm run models — the registered architectures and the reference runs, and the README's model table made from them. */
import { relative, resolve } from 'path';
import { buildModel, countParams, getModelSpec, modelNames } from '../models/registry';
import { bestReferenceRun, modelTable, promoteToReference, README_FILE, referenceRuns, writeModelTable } from '../report/reference';
import { REFERENCE_DIR } from '../util/paths';
import { parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run models [-- --readme] [-- --promote DIR [--as NAME]]

  --readme    rewrite the model table of README.md from results/reference/*/ (config.json, metrics.jsonl,
              summary.json); a test checks that the README's table is what this writes
  --promote DIR copy a finished run or ensemble into results/reference/NAME (default: DIR's name), without
              its checkpoint, replacing an earlier reference of that name; then run --readme

Prints every registered architecture (name, family, parameters, description), then the table of the
reference runs in results/reference/ and the run the demo and predict use by default.
`;

runCli('models', USAGE, async (argv) => {
  const { values } = parseCli(argv, { readme: { type: 'boolean' }, promote: { type: 'string' }, as: { type: 'string' } });
  if (values.as && !values.promote) throw new UsageError('--as NAME names the run given with --promote DIR');
  if (values.promote) {
    const target = promoteToReference(resolve(values.promote), values.as);
    process.stdout.write(`${relative(process.cwd(), target)}: reference run written\n`);
    return;
  }
  const runs = referenceRuns();
  if (values.readme) {
    writeModelTable(runs);
    process.stdout.write(`${relative(process.cwd(), README_FILE)}: model table rewritten from ${runs.length} reference runs\n`);
    return;
  }
  for (const name of modelNames()) {
    const model = buildModel(name);
    const spec = getModelSpec(name);
    process.stdout.write(`${name.padEnd(12)} ${spec.family.padEnd(4)} ${countParams(model).toLocaleString('en-US').padStart(10)}  ${spec.description}\n`);
    model.dispose();
  }
  const best = bestReferenceRun();
  process.stdout.write(`\n${runs.length ? modelTable(runs) : `no reference runs in ${REFERENCE_DIR}`}\n`);
  if (best) process.stdout.write(`\ndefault run of demo and predict: ${relative(process.cwd(), best.dir)}\n`);
});
