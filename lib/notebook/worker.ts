/**
 * Child-process entry of the series runner: executes one notebook, like a fresh kernel would, and reports
 * the outcome to the parent. A process per notebook keeps notebooks from sharing globals, memory or
 * module state (e.g. whether plotly was already sent to the page).
 */
import { executeNotebook, ExecuteOptions, CellFailure } from './execute';

export interface WorkerJob extends ExecuteOptions {
  file: string;
}

export type WorkerReply = { seconds: number; failure?: CellFailure } | { error: string };

process.once('message', (job: WorkerJob) => {
  const reply = (message: WorkerReply) => process.send!(message, () => process.exit(0));
  executeNotebook(job.file, job).then(
    ({ seconds, failure }) => reply({ seconds, failure }),
    (err: Error) => reply({ error: err.message }),
  );
});
