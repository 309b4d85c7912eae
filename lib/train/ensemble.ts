/**
 * An ensemble of finished runs: the mean of their softmax probabilities, evaluated like one model and written
 * as a run-like directory (config.json naming the members, summary.json with the fields of a run's), so the
 * report, the tables and the model table read it like any run. Models that err on different images outvote
 * each other's mistakes; averaging probabilities (not votes) lets a confident member outweigh an unsure one.
 * With `choose`, the members are picked from the candidates on the validation split alone (ensemble-choice.ts),
 * so the test figure stays the honest, once-only measurement.
 */
import { mkdirSync } from 'fs';
import { relative, resolve } from 'path';
import { firstIndices } from '../data/dataset';
import { loadMnist, MnistData } from '../data/mnist';
import { evaluateModel, evaluationOf, Evaluation } from '../eval/evaluate';
import { loadModel } from '../models/io';
import { checkImageSize } from '../models/spec';
import { runSplit } from './config';
import { chooseEnsemble, EnsembleChoice, HALVINGS, meanOf } from './ensemble-choice';
import { evaluationSummary, isRunDir, modelDir, readRunConfig, readSummary, writeRunConfig, writeSummary } from './run-dir';
import type { RunSummary, TrainConfig } from './types';

export interface EnsembleResult {
  outDir: string;
  summary: RunSummary;
  test: Evaluation;
  /** The members' common validation split, evaluated; absent when their splits differ. */
  validation?: Evaluation;
  /** Why there is no validation figure, when there is none. */
  noValidation?: string;
  /** With `choose`: the rule that picked, its held-out figures, and the members in joining order with the
   *  validation accuracy after each. */
  choice?: Omit<EnsembleChoice, 'joined'> & { joined: { dir: string; valAccuracy: number }[] };
}

/** Same split: same validation images, so the ensemble's validation figure is of images no member trained on. */
const splitKey = (c: TrainConfig) => JSON.stringify([c.valFraction, c.splitSeed ?? c.seed, c.trainLimit ?? null, c.dataDir ?? null]);

export async function evaluateEnsemble(runDirs: string[], outDir: string, options: { data?: MnistData; choose?: boolean } = {}): Promise<EnsembleResult> {
  if (runDirs.length < 2) throw new Error(`an ensemble needs at least two runs, got ${runDirs.length}`);
  if (isRunDir(outDir)) throw new Error(`${outDir}: already holds a run; choose another --out`);
  const candidates = runDirs.map((dir) => {
    const config = readRunConfig(dir);
    return { dir, config, summary: readSummary(dir) };
  });
  const testLimits = new Set(candidates.map((m) => m.config.testLimit ?? null));
  if (testLimits.size > 1) throw new Error(`the runs were tested on different test subsets (testLimit ${[...testLimits].join(', ')}): an ensemble needs one`);
  const sameSplit = new Set(candidates.map((m) => splitKey(m.config))).size === 1 && candidates[0].config.valFraction > 0;
  if (options.choose && !sameSplit) {
    const odd = candidates.find((m) => splitKey(m.config) !== splitKey(candidates[0].config));
    throw new Error(
      odd
        ? `choosing members needs runs that hold out the same validation images (train them with one --split-seed): ${odd.dir} holds out others than ${candidates[0].dir}`
        : 'choosing members needs a validation split: the runs held out no images (--val-fraction 0)',
    );
  }
  const data = options.data ?? (await loadMnist(candidates[0].config.dataDir));
  const testIndices = firstIndices(data.test.count, candidates[0].config.testLimit);
  const valIndices = sameSplit ? runSplit(candidates[0].config, data.train.count).val : undefined;

  let testProbabilities: Float32Array[] = [];
  let valProbabilities: Float32Array[] = [];
  let labels: { test: Int32Array; val?: Int32Array } | undefined;
  for (const member of candidates) {
    const model = await loadModel(modelDir(member.dir));
    try {
      checkImageSize(model, { height: data.test.height, width: data.test.width }, data.source.dir);
      const test = evaluateModel(model, data.test, testIndices);
      const val = valIndices ? evaluateModel(model, data.train, valIndices) : undefined;
      testProbabilities.push(test.probabilities);
      if (val) valProbabilities.push(val.probabilities);
      labels ??= { test: test.labels, val: val?.labels };
    } finally {
      model.dispose();
    }
  }
  let members = candidates;
  let choice: EnsembleResult['choice'];
  if (options.choose) {
    const { rule, heldOut, joined } = chooseEnsemble(valProbabilities, labels!.val!);
    members = joined.map((p) => candidates[p.index]);
    testProbabilities = joined.map((p) => testProbabilities[p.index]);
    valProbabilities = joined.map((p) => valProbabilities[p.index]);
    choice = { rule, heldOut, joined: joined.map((p) => ({ dir: candidates[p.index].dir, valAccuracy: p.valAccuracy })) };
  }
  const test = evaluationOf(meanOf(testProbabilities), labels!.test);
  const validation = valIndices ? evaluationOf(meanOf(valProbabilities), labels!.val!) : undefined;
  const summary: RunSummary = {
    model: 'ensemble',
    family: 'ensemble',
    params: members.reduce((sum, m) => sum + m.summary.params, 0),
    backend: [...new Set(members.map((m) => m.summary.backend))].join(', '),
    // What the ensemble cost to train: every member's epochs and seconds.
    epochs: members.reduce((sum, m) => sum + m.summary.epochs, 0),
    ...evaluationSummary(test, validation),
    trainSeconds: members.reduce((sum, m) => sum + m.summary.trainSeconds, 0),
    samplesPerSecond: 0,
  };
  mkdirSync(outDir, { recursive: true });
  writeRunConfig(outDir, {
    // Not a TrainConfig: the report and the tables recognise an ensemble by its members.
    config: { model: 'ensemble', members: members.map((m) => relative(resolve(outDir), resolve(m.dir))) } as unknown as TrainConfig,
    members: members.map((m) => ({ dir: relative(resolve(outDir), resolve(m.dir)), model: m.config.model, seed: m.config.seed, testAccuracy: m.summary.testAccuracy })),
    ...(choice && {
      choice: {
        rule: choice.rule,
        heldOut: { halvings: HALVINGS, accuracy: choice.heldOut },
        candidates: candidates.map((m) => relative(resolve(outDir), resolve(m.dir))),
        joined: choice.joined.map((c) => ({ dir: relative(resolve(outDir), resolve(c.dir)), valAccuracy: c.valAccuracy })),
      },
    }),
    data: { ...data.source, testSamples: testIndices.length, valSamples: valIndices?.length ?? 0 },
    createdAt: new Date().toISOString(),
  });
  writeSummary(outDir, summary);
  const noValidation = valIndices ? undefined : 'the members hold out different validation images (train them with one --split-seed)';
  return { outDir, summary, test, validation, noValidation, choice };
}
