/** Worker-thread entry: trains the jobs the pool sends, one at a time, with this thread's own tfjs backend. */
import { parentPort, workerData } from 'worker_threads';
import type { MnistData } from '../data/mnist';
import { runJob } from './job';
import type { Job } from './types';

const data = (workerData as { data: MnistData }).data;

parentPort!.on('message', (job: Job) => {
  runJob(job, data).then(
    (outcome) => parentPort!.postMessage({ outcome }),
    (err: Error) => parentPort!.postMessage({ error: `trial ${job.trial} (${job.epochs} epochs): ${err.message}` }),
  );
});
