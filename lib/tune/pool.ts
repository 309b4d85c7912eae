/**
 * A pool of worker threads that train jobs in parallel. Threads rather than processes: each has its own tfjs
 * backend, they share the dataset's memory, and they die with the sweep — a killed sweep leaves no orphan
 * still writing into a run directory that the resumed sweep is about to use.
 */
import { availableParallelism } from 'os';
import { extname, join } from 'path';
import { Worker } from 'worker_threads';
import type { DigitSet, MnistData } from '../data/mnist';
import { PROJECT_ROOT } from '../util/paths';
import type { JobOutcome } from './job';
import type { Job } from './types';

export const defaultWorkers = () => availableParallelism();

/** Copies pixels and labels into shared memory once, instead of once per worker. */
function shareSet(set: DigitSet): DigitSet {
  const share = (a: Uint8Array) => {
    const copy = new Uint8Array(new SharedArrayBuffer(a.length));
    copy.set(a);
    return copy;
  };
  return { ...set, images: share(set.images), labels: share(set.labels) };
}

function startWorker(data: MnistData): Worker {
  const file = join(__dirname, `worker${extname(__filename)}`);
  if (extname(__filename) !== '.ts') return new Worker(file, { workerData: { data } });
  // Running from TypeScript source (ts-node, notebooks): the thread needs its own ts-node.
  const project = JSON.stringify(join(PROJECT_ROOT, 'tsconfig.json'));
  const boot = `require('ts-node').register({ project: ${project}, transpileOnly: true }); require(${JSON.stringify(file)});`;
  return new Worker(boot, { eval: true, workerData: { data } });
}

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly waiting: ((worker: Worker) => void)[] = [];

  constructor(size: number, data: MnistData) {
    const shared = { ...data, train: shareSet(data.train), test: shareSet(data.test) };
    this.workers = Array.from({ length: size }, () => startWorker(shared));
    this.idle = [...this.workers];
  }

  /** Trains one job on the next free worker; rejects if the job throws or the worker dies. */
  async run(job: Job): Promise<JobOutcome> {
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resolve) => this.waiting.push(resolve)));
    let alive = true;
    try {
      return await new Promise<JobOutcome>((resolve, reject) => {
        const settle = (outcome: JobOutcome | undefined, error?: string) => {
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (outcome) resolve(outcome);
          else reject(new Error(error));
        };
        const onMessage = (message: { outcome?: JobOutcome; error?: string }) => settle(message.outcome, message.error);
        const onError = (err: Error) => {
          alive = false;
          settle(undefined, `trial ${job.trial}: worker crashed: ${err.message}`);
        };
        const onExit = (code: number) => {
          alive = false;
          settle(undefined, `trial ${job.trial}: worker exited with code ${code}`);
        };
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
        worker.postMessage(job);
      });
    } finally {
      if (alive) this.release(worker);
    }
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next(worker);
    else this.idle.push(worker);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
