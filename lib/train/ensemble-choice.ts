/**
 * Which candidate runs join an ensemble, decided on the validation split alone. Three rules pick members:
 * greedy forward selection (Caruana et al. 2004), the k best runs with k fitted, and every candidate. Each
 * picks on the images it is given, so a rule can itself be judged on images it did not see: `chooseEnsemble`
 * halves the validation split many times, lets each rule pick on one half, scores the pick on the other, and
 * applies the rule with the best held-out accuracy to the whole split. On a few thousand validation images one
 * image is worth 0.03 points, and a rule that searches harder fits those few images more closely: this
 * measures that, instead of assuming one rule.
 */
import { createRng, permutation } from '../data/random';
import { NUM_CLASSES } from '../data/mnist';
import { evaluationOf, Evaluation } from '../eval/evaluate';

export const SELECTION_RULES = ['greedy', 'best-k', 'all'] as const;
export type SelectionRule = (typeof SELECTION_RULES)[number];

/** Halvings of the validation split that judge the rules, from a fixed seed so that a choice is reproducible. */
export const HALVINGS = 100;
const HALVING_SEED = 2004;

export interface EnsembleChoice {
  rule: SelectionRule;
  /** Each rule's mean accuracy on the held-out halves, the figure that chose `rule`. */
  heldOut: Record<SelectionRule, number>;
  /** The members in joining order, with the whole split's validation accuracy of the ensemble so far. */
  joined: { index: number; valAccuracy: number }[];
}

export const meanOf = (arrays: Float32Array[]) => {
  const out = new Float32Array(arrays[0].length);
  for (const a of arrays) for (let i = 0; i < out.length; i++) out[i] += a[i] / arrays.length;
  return out;
};

/** Which of two evaluations is better on validation: accuracy first, then loss (finer-grained than one image). */
const better = (a: Evaluation, b: Evaluation | undefined) => !b || a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.loss < b.loss);

const ensembleOf = (probabilities: Float32Array[], members: number[], labels: Int32Array) => evaluationOf(meanOf(members.map((m) => probabilities[m])), labels);

/** Start from the best single candidate, then add the one that improves the ensemble most, until none does. */
function greedy(probabilities: Float32Array[], labels: Int32Array): number[] {
  const chosen: number[] = [];
  let current: Evaluation | undefined;
  for (;;) {
    let best: { index: number; evaluation: Evaluation } | undefined;
    probabilities.forEach((_, index) => {
      if (chosen.includes(index)) return;
      const evaluation = ensembleOf(probabilities, [...chosen, index], labels);
      if (better(evaluation, best?.evaluation)) best = { index, evaluation };
    });
    if (!best || !better(best.evaluation, current)) return chosen;
    chosen.push(best.index);
    current = best.evaluation;
  }
}

/** The candidates from best to worst alone. */
function ranked(probabilities: Float32Array[], labels: Int32Array): number[] {
  const alone = probabilities.map((p) => evaluationOf(p, labels));
  return alone.map((_, index) => index).sort((a, b) => (better(alone[a], alone[b]) ? -1 : better(alone[b], alone[a]) ? 1 : a - b));
}

/** The k best alone, with the k whose ensemble is best. */
function bestK(probabilities: Float32Array[], labels: Int32Array): number[] {
  const order = ranked(probabilities, labels);
  let best: { k: number; evaluation: Evaluation } | undefined;
  for (let k = 1; k <= order.length; k++) {
    const evaluation = ensembleOf(probabilities, order.slice(0, k), labels);
    if (better(evaluation, best?.evaluation)) best = { k, evaluation };
  }
  return order.slice(0, best!.k);
}

const RULES: Record<SelectionRule, (probabilities: Float32Array[], labels: Int32Array) => number[]> = {
  greedy,
  'best-k': bestK,
  // Ranked only so that the joining order reads like the other rules'.
  all: ranked,
};

/** The rows `rows` of every candidate's probabilities, and their labels. */
function rowsOf(probabilities: Float32Array[], labels: Int32Array, rows: Int32Array) {
  const pick = (p: Float32Array) => {
    const out = new Float32Array(rows.length * NUM_CLASSES);
    rows.forEach((row, i) => out.set(p.subarray(row * NUM_CLASSES, (row + 1) * NUM_CLASSES), i * NUM_CLASSES));
    return out;
  };
  return { probabilities: probabilities.map(pick), labels: Int32Array.from(rows, (row) => labels[row]) };
}

/** Picks members by `rule` on the whole split, with the accuracy after each joins. */
export function selectMembers(rule: SelectionRule, probabilities: Float32Array[], labels: Int32Array): EnsembleChoice['joined'] {
  const members = RULES[rule](probabilities, labels);
  return members.map((index, i) => ({ index, valAccuracy: ensembleOf(probabilities, members.slice(0, i + 1), labels).accuracy }));
}

/** Judges every rule on held-out halves of the validation split, then applies the best (the earlier on a tie). */
export function chooseEnsemble(valProbabilities: Float32Array[], labels: Int32Array): EnsembleChoice {
  const rng = createRng(HALVING_SEED);
  const sums = Object.fromEntries(SELECTION_RULES.map((rule) => [rule, 0])) as Record<SelectionRule, number>;
  const half = Math.floor(labels.length / 2);
  for (let h = 0; h < HALVINGS; h++) {
    const order = permutation(labels.length, rng);
    const pickOn = rowsOf(valProbabilities, labels, order.subarray(0, half));
    const scoreOn = rowsOf(valProbabilities, labels, order.subarray(half));
    for (const rule of SELECTION_RULES) sums[rule] += ensembleOf(scoreOn.probabilities, RULES[rule](pickOn.probabilities, pickOn.labels), scoreOn.labels).accuracy;
  }
  const heldOut = Object.fromEntries(SELECTION_RULES.map((rule) => [rule, sums[rule] / HALVINGS])) as Record<SelectionRule, number>;
  const rule = SELECTION_RULES.reduce((a, b) => (heldOut[b] > heldOut[a] ? b : a));
  return { rule, heldOut, joined: selectMembers(rule, valProbabilities, labels) };
}
