/**
 * Successive halving and Hyperband as pure functions: the epoch budget of each rung, how many trials each rung
 * keeps, how trials are spread over brackets, and which trials a finished rung promotes.
 */
import type { Rung } from './types';

/**
 * Epoch budgets of the rungs: geometric with ratio eta, ending exactly at maxEpochs and starting at minEpochs,
 * rounded up to whole epochs — e.g. max 9, eta 3 → [1, 3, 9]; max 10 → [1, 2, 4, 10]; max 2 → [1, 2].
 */
export function rungEpochs(maxEpochs: number, eta: number, minEpochs = 1): number[] {
  if (!Number.isInteger(maxEpochs) || !Number.isInteger(minEpochs) || minEpochs < 1 || minEpochs > maxEpochs) {
    throw new Error(`need whole epochs with 1 ≤ min (${minEpochs}) ≤ max (${maxEpochs})`);
  }
  if (!Number.isInteger(eta) || eta < 2) throw new Error(`eta must be an integer ≥ 2, got ${eta}`);
  // Halvings needed to get from maxEpochs down to minEpochs (the epsilon absorbs log rounding: 9/3/3 is exactly 1).
  const halvings = Math.ceil(Math.log(maxEpochs / minEpochs) / Math.log(eta) - 1e-9);
  return Array.from({ length: halvings + 1 }, (_, k) => Math.max(minEpochs, Math.ceil(maxEpochs / eta ** (halvings - k) - 1e-9)));
}

/** Rungs of one successive-halving bracket: each keeps the best 1/eta of the previous one, at least one trial. */
export function halvingRungs(trials: number, budgets: number[], eta: number): Rung[] {
  const rungs: Rung[] = [];
  let size = trials;
  for (const epochs of budgets) {
    rungs.push({ epochs, size });
    size = Math.max(1, Math.floor(size / eta));
  }
  return rungs;
}

/**
 * Hyperband: brackets that start at each rung of `budgets` (the first halves most aggressively, the last trains
 * every trial to the full budget). `trials` are split in Hyperband's proportions n_s = ⌈(s_max+1)/(s+1)·eta^s⌉,
 * largest remainder first; brackets left without trials are dropped.
 */
export function hyperbandBrackets(trials: number, budgets: number[], eta: number): Rung[][] {
  const sMax = budgets.length - 1;
  const weights = budgets.map((_, start) => Math.ceil(((sMax + 1) / (sMax - start + 1)) * eta ** (sMax - start)));
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (trials * w) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; k < trials - counts.reduce((a, b) => a + b, 0); k++) counts[byRemainder[k].i]++;
  return counts.flatMap((n, start) => (n > 0 ? [halvingRungs(n, budgets.slice(start), eta)] : []));
}

/**
 * The trials a finished rung promotes: the `count` best scores, ties to the lower trial id. Failed trials
 * (score null) are never promoted. Depends only on the scores, never on the order trials finished in.
 */
export function promote(results: { trial: number; score: number | null }[], count: number): number[] {
  return results
    .filter((r): r is { trial: number; score: number } => r.score !== null && Number.isFinite(r.score))
    .sort((a, b) => b.score - a.score || a.trial - b.trial)
    .slice(0, count)
    .map((r) => r.trial)
    .sort((a, b) => a - b);
}
