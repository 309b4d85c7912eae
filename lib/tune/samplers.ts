/** Where trial values come from: the full grid of a space, or seeded random draws. */
import { createRng, deriveSeed, Rng } from '../data/random';
import type { ParamSpec, ParamValue, ParamValues, SearchSpace } from './types';

const DEFAULT_GRID_POINTS = 3;

/** Four significant digits: readable configs (lr 0.002346, not 0.0023457812...), no effect on the search. */
const round = (x: number) => Number(x.toPrecision(4));

export function gridValues(spec: ParamSpec): ParamValue[] {
  switch (spec.type) {
    case 'choice':
      return spec.values;
    case 'int': {
      const step = spec.step ?? 1;
      const count = Math.floor((spec.high - spec.low) / step) + 1;
      return Array.from({ length: count }, (_, i) => spec.low + i * step);
    }
    case 'uniform':
    case 'loguniform': {
      const n = spec.gridPoints ?? DEFAULT_GRID_POINTS;
      const [lo, hi] = spec.type === 'loguniform' ? [Math.log(spec.low), Math.log(spec.high)] : [spec.low, spec.high];
      const at = (t: number) => (spec.type === 'loguniform' ? Math.exp(lo + t * (hi - lo)) : lo + t * (hi - lo));
      return Array.from({ length: n }, (_, i) => round(at(i / (n - 1))));
    }
  }
}

export function gridSize(space: SearchSpace): number {
  return Object.values(space.params).reduce((n, spec) => n * gridValues(spec).length, 1);
}

/** Every combination, the last parameter varying fastest; `limit` keeps the first ones. */
export function gridTrials(space: SearchSpace, limit = Infinity): ParamValues[] {
  const keys = Object.keys(space.params);
  const axes = keys.map((k) => gridValues(space.params[k]));
  const count = Math.min(limit, gridSize(space));
  return Array.from({ length: count }, (_, index) => {
    const values: ParamValues = {};
    for (let k = keys.length - 1, rest = index; k >= 0; k--) {
      values[keys[k]] = axes[k][rest % axes[k].length];
      rest = Math.floor(rest / axes[k].length);
    }
    return Object.fromEntries(keys.map((k) => [k, values[k]]));
  });
}

export function sampleValue(spec: ParamSpec, rng: Rng): ParamValue {
  const u = rng();
  switch (spec.type) {
    case 'choice':
      return spec.values[Math.floor(u * spec.values.length)];
    case 'int': {
      const step = spec.step ?? 1;
      return spec.low + step * Math.floor(u * (Math.floor((spec.high - spec.low) / step) + 1));
    }
    case 'uniform':
      return round(spec.low + u * (spec.high - spec.low));
    case 'loguniform':
      return round(Math.exp(Math.log(spec.low) + u * (Math.log(spec.high) - Math.log(spec.low))));
  }
}

/** n independent draws; the sequence depends only on the seed and the space. */
export function randomTrials(space: SearchSpace, n: number, seed: number): ParamValues[] {
  const rng = createRng(deriveSeed(seed, 'tune-sampler'));
  return Array.from({ length: n }, () => Object.fromEntries(Object.entries(space.params).map(([key, spec]) => [key, sampleValue(spec, rng)])));
}
