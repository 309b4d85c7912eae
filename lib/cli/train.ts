/** npm run train — trains one model and leaves a complete run directory. */
import { resolve } from 'path';
import { loadMnist } from '../data/mnist';
import { getModelSpec } from '../models/registry';
import { resolveConfig } from '../train/config';
import { flagOf, TRAIN_FLAGS, trainOverrides, trainUsageLines } from '../train/option-flags';
import type { OptionName, TrainConfig } from '../train/options';
import { trainRun } from '../train/run';
import { readRunConfig } from '../train/run-dir';
import { parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run train -- --model NAME [options]

${trainUsageLines()}
  --run-dir DIR         where the run goes (default results/runs/<timestamp>-<model>)
  --resume              continue the run in --run-dir from its last complete epoch
`;

/** A resumed run continues with its recorded configuration: an option may be repeated, not changed. */
function checkResumeOptions(recorded: TrainConfig, given: Partial<TrainConfig>): void {
  for (const [key, value] of Object.entries(given) as [OptionName, unknown][]) {
    if (value === undefined || JSON.stringify(value) === JSON.stringify(recorded[key])) continue;
    throw new UsageError(`--${flagOf(key)} ${JSON.stringify(value)} differs from the run being resumed (${JSON.stringify(recorded[key]) ?? 'unset'}); drop it to resume`);
  }
}

runCli('train', USAGE, async (argv) => {
  const { values } = parseCli(argv, { ...TRAIN_FLAGS, 'run-dir': { type: 'string' }, resume: { type: 'boolean' } });
  const overrides = trainOverrides(values);
  const runDir = values['run-dir'] ? resolve(values['run-dir']) : undefined;
  if (values.resume) {
    if (!runDir) throw new UsageError('--resume needs --run-dir DIR (the run to continue)');
    const config = readRunConfig(runDir);
    checkResumeOptions(config, overrides);
    await trainRun(config, { runDir, resume: true, verbose: true });
    return;
  }
  if (!overrides.model) throw new UsageError('--model is required');
  const config = resolveConfig({ ...overrides, model: overrides.model });
  // The model is built for the data's image size: options that cannot fit it (a ViT patch size) are bad arguments.
  const data = await loadMnist(config.dataDir);
  getModelSpec(config.model).validate?.(config.modelOptions, { height: data.train.height, width: data.train.width });
  await trainRun(config, { runDir, data, verbose: true });
});
