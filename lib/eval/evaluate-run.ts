/** Re-evaluates a finished run's saved model on the test set it was trained against (or another dataset). */
import { join } from 'path';
import { firstIndices } from '../data/dataset';
import { loadMnist, MnistData } from '../data/mnist';
import { loadModel } from '../models/io';
import { checkImageSize, readRunConfig } from '../train/run';
import { evaluateModel, Evaluation } from './evaluate';

export interface RunEvaluation {
  runDir: string;
  evaluation: Evaluation;
  testSamples: number;
}

export async function evaluateRun(runDir: string, options: { dataDir?: string; testLimit?: number; data?: MnistData } = {}): Promise<RunEvaluation> {
  const config = readRunConfig(runDir);
  const model = await loadModel(join(runDir, 'model'));
  const data = options.data ?? (await loadMnist(options.dataDir ?? config.dataDir));
  try {
    checkImageSize(model, { height: data.test.height, width: data.test.width }, data.source.dir);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const indices = firstIndices(data.test.count, options.testLimit ?? config.testLimit);
  const evaluation = evaluateModel(model, data.test, indices);
  model.dispose();
  return { runDir, evaluation, testSamples: indices.length };
}
