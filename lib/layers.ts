/**
 * The layer order of the library, lowest first: a folder imports only from folders in lower layers (and from
 * itself), so a change in one layer never reaches down and there are no cycles. test/layers.test.ts holds every
 * import in lib/ and bench/ to this list. Folders in one layer are independent of each other.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['util'], // atomic writes, file reads, locks, paths, errors, argument parsing
  ['data', 'preprocess', 'backend'], // MNIST and batches; image preprocessing; the tfjs engines
  ['models'], // architectures, their registry, saving and loading
  ['eval'], // metrics, evaluation and calibration of a model on data
  ['train'], // training runs and the run directory
  ['tune', 'analysis'], // hyperparameter sweeps over runs; interpretation of a trained model
  ['experiments'], // the notebook series' runs and sweeps, reused while unchanged
  ['plot'], // figure builders and their export
  ['report', 'notebook', 'bench', 'demo'], // the HTML report, the notebook runner, the benchmarks, the drawing page's server
  ['cli'], // one thin file per command
  ['index'], // lib/index.ts, the package's entry
];
