/**
 * Child-process entry: measures one model on one tfjs backend and prints its Outcome as the last stdout line.
 * One process per (engine, model) because tfjs holds one backend per process and a WASM heap never shrinks,
 * so the peak RSS would otherwise carry over from the previous model.
 */
import { BACKEND_ORDER, initBackend } from '../lib/backend/select';
import { choiceOption, intOption, numberOption, parseCli } from '../lib/util/args';
import { measureTfjsModel } from './tfjs-workload';
import type { Outcome } from './types';

export interface ChildReport {
  outcome: Outcome;
  /** initBackend's description of the backend, once it loaded. */
  backend?: string;
}

async function main(): Promise<ChildReport> {
  const { values } = parseCli(process.argv.slice(2), {
    engine: { type: 'string' },
    model: { type: 'string' },
    'batch-size': { type: 'string' },
    warmup: { type: 'string' },
    steps: { type: 'string' },
    seed: { type: 'string' },
    'max-step-seconds': { type: 'string' },
  });
  const engine = choiceOption('engine', values.engine, BACKEND_ORDER);
  if (!engine || !values.model) throw new Error('--engine and --model are required');
  let backend;
  try {
    backend = await initBackend(engine);
  } catch (err) {
    return { outcome: { status: 'unavailable', reason: (err as Error).message } };
  }
  const outcome = await measureTfjsModel({
    model: values.model,
    batchSize: intOption('batch-size', values['batch-size'])!,
    warmup: intOption('warmup', values.warmup, { min: 0 })!,
    steps: intOption('steps', values.steps)!,
    seed: intOption('seed', values.seed, { min: 0 })!,
    maxStepSeconds: numberOption('max-step-seconds', values['max-step-seconds'], { positive: true })!,
  });
  return { outcome, backend: backend.detail };
}

main().then(
  (report) => process.stdout.write('\n' + JSON.stringify(report) + '\n'),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
