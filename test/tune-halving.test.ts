import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng, permutation } from '../lib/data/random';
import { resolveConfig } from '../lib/train/config';
import { defineSpace, dueJobs, halvingRungs, hyperbandBrackets, jobStart, loguniform, makePlan, promote, rungEpochs, SweepPlan, totalJobs } from '../lib/tune';
import { jobKey } from '../lib/tune/plan';

test('rung budgets are geometric in eta, from min-epochs up to exactly max-epochs', () => {
  assert.equal(rungEpochs(9, 3), [1, 3, 9]);
  assert.equal(rungEpochs(27, 3), [1, 3, 9, 27]);
  assert.equal(rungEpochs(2, 3), [1, 2]);
  assert.equal(rungEpochs(10, 3), [1, 2, 4, 10]);
  assert.equal(rungEpochs(8, 2), [1, 2, 4, 8]);
  assert.equal(rungEpochs(1, 3), [1]);
  assert.equal(rungEpochs(9, 3, 2), [2, 3, 9]);
  assert.equal(rungEpochs(9, 3, 9), [9]);
  assert.throws(() => rungEpochs(9, 1), /eta must be an integer ≥ 2/);
  assert.throws(() => rungEpochs(3, 3, 4), /1 ≤ min \(4\) ≤ max \(3\)/);
});

test('each rung keeps the best 1/eta of the previous one, at least one trial', () => {
  assert.equal(halvingRungs(27, [1, 3, 9], 3), [
    { epochs: 1, size: 27 },
    { epochs: 3, size: 9 },
    { epochs: 9, size: 3 },
  ]);
  assert.equal(halvingRungs(6, [1, 2], 3), [
    { epochs: 1, size: 6 },
    { epochs: 2, size: 2 },
  ]);
  assert.equal(
    halvingRungs(2, [1, 3, 9], 3).map((r) => r.size),
    [2, 1, 1],
  );
});

test("hyperband brackets follow Li et al.'s table and split other trial counts in proportion", () => {
  // R = 9, eta = 3: (n, r) = (9, 1), (5, 3), (3, 9).
  assert.equal(hyperbandBrackets(17, [1, 3, 9], 3), [
    [{ epochs: 1, size: 9 }, { epochs: 3, size: 3 }, { epochs: 9, size: 1 }],
    [{ epochs: 3, size: 5 }, { epochs: 9, size: 1 }],
    [{ epochs: 9, size: 3 }],
  ]);
  assert.equal(
    hyperbandBrackets(8, [1, 3, 9], 3).map((b) => b[0].size),
    [4, 2, 2],
  );
  assert.equal(
    hyperbandBrackets(1, [1, 3, 9], 3).map((b) => b[0]),
    [{ epochs: 1, size: 1 }],
  );
});

test('promotion takes the best scores, ties to the lower trial, never a failed trial, whatever the input order', () => {
  const results = [
    { trial: 0, score: 0.5 },
    { trial: 1, score: 0.9 },
    { trial: 2, score: null },
    { trial: 3, score: 0.7 },
    { trial: 4, score: 0.9 },
    { trial: 5, score: 0.1 },
  ];
  assert.equal(promote(results, 2), [1, 4]);
  assert.equal(promote(results, 3), [1, 3, 4]);
  assert.equal(promote([...results].reverse(), 3), [1, 3, 4]);
  assert.equal(promote([{ trial: 0, score: 0.5 }, { trial: 1, score: 0.5 }], 1), [0]);
  assert.equal(promote([{ trial: 0, score: null }], 1), []);
});

const space = defineSpace({ model: 'cnn-small', params: { lr: loguniform(1e-4, 1e-2) } });

/** Runs a plan to completion, finishing due jobs in an order drawn from `seed`, scoring with `score`. */
function simulate(plan: SweepPlan, score: (trial: number, rung: number) => number | null, seed: number) {
  const rng = createRng(seed);
  const finished = new Map<string, { score: number | null }>();
  const order: string[] = [];
  for (;;) {
    const due = dueJobs(plan, finished).filter((j) => !finished.has(jobKey(j.trial, j.rung)));
    if (due.length === 0) break;
    // Finish a random subset of the due jobs, as parallel workers would.
    const take = 1 + Math.floor(rng() * due.length);
    for (const i of permutation(due.length, rng).slice(0, take)) {
      const j = due[i];
      finished.set(jobKey(j.trial, j.rung), { score: score(j.trial, j.rung) });
      order.push(jobKey(j.trial, j.rung));
    }
  }
  return { jobs: [...finished.keys()].sort(), order };
}

test('successive halving: which trials advance at each rung, independent of completion order', () => {
  const plan = makePlan(space, { sampler: 'halving', trials: 9, seed: 0, maxEpochs: 9, eta: 3 });
  assert.equal(plan.brackets[0].rungs, [
    { epochs: 1, size: 9 },
    { epochs: 3, size: 3 },
    { epochs: 9, size: 1 },
  ]);
  assert.is(totalJobs(plan), 13);
  // Trial 2 leads after one epoch but falls behind later; trial 7 is the eventual winner.
  const early = [0.3, 0.2, 0.9, 0.1, 0.5, 0.4, 0.6, 0.8, 0.7];
  const later: Record<number, number> = { 2: 0.5, 7: 0.95, 8: 0.9 };
  const score = (trial: number, rung: number) => (rung === 0 ? early[trial] : later[trial] + rung / 100);
  const runs = [1, 2, 3, 4].map((seed) => simulate(plan, score, seed));
  for (const run of runs) assert.equal(run.jobs, runs[0].jobs);
  assert.not.equal(runs[0].order, runs[1].order, 'the simulations really finished jobs in different orders');
  const at = (rung: number) => runs[0].jobs.filter((k) => k.endsWith(`/${rung}`)).map((k) => Number(k.split('/')[0])).sort((a, b) => a - b);
  assert.equal(at(0), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(at(1), [2, 7, 8]);
  assert.equal(at(2), [7]);
});

test('a failed trial is never promoted and a rung waits for every trial of the previous one', () => {
  const plan = makePlan(space, { sampler: 'halving', trials: 6, seed: 0, maxEpochs: 2, eta: 3 });
  const finished = new Map<string, { score: number | null }>();
  [0.9, null, 0.8, 0.2, 0.3].forEach((score, trial) => finished.set(jobKey(trial, 0), { score }));
  assert.ok(!dueJobs(plan, finished).some((j) => j.rung === 1), 'trial 5 still running: no promotion yet');
  finished.set(jobKey(5, 0), { score: 0.1 });
  assert.equal(
    dueJobs(plan, finished).filter((j) => j.rung === 1).map((j) => [j.trial, j.epochs]),
    [
      [0, 2],
      [2, 2],
    ],
  );
});

test('hyperband plans run every bracket to the full budget', () => {
  const plan = makePlan(space, { sampler: 'hyperband', trials: 17, seed: 0, maxEpochs: 9, eta: 3 });
  assert.equal(plan.trials.map((t) => t.bracket), [...Array(9).fill(0), ...Array(5).fill(1), ...Array(3).fill(2)]);
  const { jobs } = simulate(plan, (trial, rung) => trial / 100 + rung, 1);
  assert.is(jobs.length, totalJobs(plan));
  assert.equal(jobs.filter((k) => ['8/2', '13/1', '14/0', '15/0', '16/0'].includes(k)).length, 5, 'bracket winners and the full-budget bracket');
});

test('promoted trials continue their run only when the learning rate ignores the total epochs', () => {
  const config = (schedule: 'constant' | 'cosine' | 'onecycle' | 'step') => resolveConfig({ model: 'cnn-small', schedule, warmupEpochs: 1 });
  assert.is(jobStart(0, config('cosine')), 'new');
  assert.is(jobStart(1, config('constant')), 'continue');
  for (const schedule of ['cosine', 'onecycle', 'step'] as const) assert.is(jobStart(2, config(schedule)), 'restart');
});

test.run();
