/** npm run train — trains one model and leaves a complete run directory. */
import { resolve } from 'path';
import { BACKEND_ORDER } from '../backend/select';
import { loadMnist } from '../data/mnist';
import { getModelSpec, modelNames } from '../models/registry';
import type { ModelOptions } from '../models/spec';
import { resolveConfig } from '../train/config';
import { trainRun } from '../train/run';
import { readRunConfig } from '../train/run-dir';
import type { TrainConfig } from '../train/types';
import { parseKeyValue } from '../util/key-value';
import { choiceOption, intOption, numberOption, parseCli, runCli, UsageError } from './cli';

const USAGE = `
Usage: npm run train -- --model NAME [options]

  --model NAME          architecture: ${modelNames().join(', ')}
  --epochs N            training epochs (default: the model's recipe)
  --batch-size N        samples per step
  --lr X                peak learning rate
  --schedule S          constant | step | cosine | onecycle
  --warmup-epochs X     linear warm-up before the schedule
  --optimizer O         adam | adamw | sgd
  --weight-decay X      decoupled weight decay (adamw, sgd)
  --label-smoothing X   0 to disable
  --clip-norm X         clip the global gradient norm (0 = off)
  --augment / --no-augment   random shifts, rotations and size changes of training images
  --augment-shift X     max shift in pixels when augmenting
  --augment-rotate X    max rotation in degrees when augmenting
  --augment-scale X     max relative size change when augmenting (0.1: 0.9–1.1 times; 0 = off)
  --ema X               validate, test and save a moving average of the weights with this decay
                        (e.g. 0.999; 0 = off, the live weights)
  --model-option K=V    architecture option, repeatable (e.g. width=16 for cnn-small, depth=6 for vit-tiny)
  --val-fraction X      share of training images held out for validation (default 0.05)
  --seed N              seed for initialisation, split, shuffling, dropout, augmentation (default 42)
  --split-seed N        seed of the train/validation split alone (default: --seed), so seeds can share a split
  --train-limit N       use only N training images (quick runs)
  --test-limit N        evaluate on the first N test images
  --data DIR            directory with the four MNIST-format IDX files (raw or .gz)
  --backend B           ${BACKEND_ORDER.join(' | ')} (default: the first that loads, in this order)
  --threads N           threads of the multi-threaded engines, onednn and wasm-threaded (default: every core, at most 8)
  --run-dir DIR         where the run goes (default results/runs/<timestamp>-<model>)
  --resume              continue the run in --run-dir from its last complete epoch
`;

function modelOptions(args: string[] | undefined): ModelOptions | undefined {
  if (!args?.length) return undefined;
  const options: ModelOptions = {};
  for (const arg of args) {
    const [key, value] = parseKeyValue(arg, '--model-option');
    if (!['number', 'string', 'boolean'].includes(typeof value)) throw new UsageError(`--model-option ${key} takes a number, string or boolean, got ${JSON.stringify(value)}`);
    options[key] = value as ModelOptions[string];
  }
  return options;
}

/** The option that sets a config key, where it is not the key in kebab case. */
const OPTION_OF: Partial<Record<keyof TrainConfig, string>> = { dataDir: 'data', modelOptions: 'model-option', augment: 'augment / --no-augment' };

/** A resumed run continues with its recorded configuration: an option may be repeated, not changed. */
function checkResumeOptions(recorded: TrainConfig, given: Partial<TrainConfig>): void {
  for (const [key, value] of Object.entries(given) as [keyof TrainConfig, unknown][]) {
    if (value === undefined || JSON.stringify(value) === JSON.stringify(recorded[key])) continue;
    const option = OPTION_OF[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`--${option} ${JSON.stringify(value)} differs from the run being resumed (${JSON.stringify(recorded[key]) ?? 'unset'}); drop it to resume`);
  }
}

runCli('train', USAGE, async (argv) => {
  const { values } = parseCli(argv, {
    model: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    schedule: { type: 'string' },
    'warmup-epochs': { type: 'string' },
    optimizer: { type: 'string' },
    'weight-decay': { type: 'string' },
    'label-smoothing': { type: 'string' },
    'clip-norm': { type: 'string' },
    augment: { type: 'boolean' },
    'no-augment': { type: 'boolean' },
    'augment-shift': { type: 'string' },
    'augment-rotate': { type: 'string' },
    'augment-scale': { type: 'string' },
    ema: { type: 'string' },
    'split-seed': { type: 'string' },
    'model-option': { type: 'string', multiple: true },
    'val-fraction': { type: 'string' },
    seed: { type: 'string' },
    'train-limit': { type: 'string' },
    'test-limit': { type: 'string' },
    data: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    'run-dir': { type: 'string' },
    resume: { type: 'boolean' },
  });
  const overrides: Partial<TrainConfig> = {
    model: values.model,
    epochs: intOption('epochs', values.epochs),
    batchSize: intOption('batch-size', values['batch-size']),
    lr: numberOption('lr', values.lr, { positive: true }),
    schedule: choiceOption('schedule', values.schedule, ['constant', 'step', 'cosine', 'onecycle'] as const),
    warmupEpochs: numberOption('warmup-epochs', values['warmup-epochs']),
    optimizer: choiceOption('optimizer', values.optimizer, ['adam', 'adamw', 'sgd'] as const),
    weightDecay: numberOption('weight-decay', values['weight-decay']),
    labelSmoothing: numberOption('label-smoothing', values['label-smoothing']),
    clipNorm: numberOption('clip-norm', values['clip-norm']),
    augment: values.augment ? true : values['no-augment'] ? false : undefined,
    augmentShift: numberOption('augment-shift', values['augment-shift']),
    augmentRotate: numberOption('augment-rotate', values['augment-rotate']),
    augmentScale: numberOption('augment-scale', values['augment-scale']),
    ema: numberOption('ema', values.ema),
    splitSeed: intOption('split-seed', values['split-seed'], { min: 0 }),
    valFraction: numberOption('val-fraction', values['val-fraction']),
    seed: intOption('seed', values.seed, { min: 0 }),
    trainLimit: intOption('train-limit', values['train-limit']),
    testLimit: intOption('test-limit', values['test-limit']),
    dataDir: values.data ? resolve(values.data) : undefined,
    backend: choiceOption('backend', values.backend, BACKEND_ORDER),
    threads: intOption('threads', values.threads),
    modelOptions: modelOptions(values['model-option']),
  };
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
