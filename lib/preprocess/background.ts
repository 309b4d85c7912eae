/**
 * The background level at every pixel. Photos of paper are rarely evenly lit, so one global paper level
 * would turn the darker side of the sheet into "ink". Instead a smooth surface is fitted to the background:
 * first to the pixels that are clearly paper by a global threshold, then repeatedly to every pixel that does
 * not stand out from the previous fit on the ink side. The surface is flat, a plane or a quadratic, whichever
 * is the simplest that explains the paper: on a tightly cropped digit a quadratic would bend into the strokes.
 */
import { GrayImage } from './image';
import { median, mode } from './stats';

/** Pixels used for the fit: enough to follow the lighting, few enough to stay cheap on any image. */
const MAX_SAMPLES = 4096;
const ITERATIONS = 5;
/** Residuals within this many robust standard deviations of the typical one count as background… */
const OUTLIER_SIGMAS = 3;
/** …and always within about five grey levels, so a noise-free background (σ = 0) is not all outliers. */
const MIN_TOLERANCE = 0.02;
/** A richer surface is used only when it leaves clearly less spread on the paper than the simpler one. */
const BETTER_FIT = 0.5;

/** Terms of the surface at (u, v) in [-1, 1]²: 1 (flat), u, v (plane), u², uv, v² (quadratic). */
const ORDERS = [1, 3, 6];
function terms(u: number, v: number, out: Float64Array): void {
  out[0] = 1;
  out[1] = u;
  out[2] = v;
  out[3] = u * u;
  out[4] = u * v;
  out[5] = v * v;
}

function surfaceAt(c: Float64Array, u: number, v: number): number {
  return c[0] + (c[1] ?? 0) * u + (c[2] ?? 0) * v + (c[3] ?? 0) * u * u + (c[4] ?? 0) * u * v + (c[5] ?? 0) * v * v;
}

interface Samples {
  u: Float64Array;
  v: Float64Array;
  value: Float64Array;
}

/** Least squares with the first n terms over the kept samples; a tiny ridge keeps degenerate cases (thin images) solvable. */
function fitSurface({ u, v, value }: Samples, keep: Uint8Array, n: number): Float64Array {
  const a = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n + 1 }, (_, j) => (i === j ? 1e-6 : 0)));
  const t = new Float64Array(6);
  for (let k = 0; k < value.length; k++) {
    if (!keep[k]) continue;
    terms(u[k], v[k], t);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i][j] += t[i] * t[j];
      a[i][n] += t[i] * value[k];
    }
  }
  // Gauss–Jordan elimination with partial pivoting.
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = a[r][col] / a[col][col];
      for (let c = col; c <= n; c++) a[r][c] -= factor * a[col][c];
    }
  }
  return Float64Array.from(a, (row, i) => row[n] / row[i]);
}

/** Iterated robust fit of one surface order; sigma is the paper's spread around it. */
function robustFit(samples: Samples, start: Uint8Array, sign: number, order: number): { coefficients: Float64Array; sigma: number } {
  let keep = start;
  const inkward = new Float64Array(samples.value.length);
  let coefficients = new Float64Array(order);
  let sigma = 0;
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    coefficients = fitSurface(samples, keep, order);
    for (let k = 0; k < inkward.length; k++) inkward[k] = sign * (samples.value[k] - surfaceAt(coefficients, samples.u[k], samples.v[k]));
    const kept = inkward.filter((_, k) => keep[k] === 1);
    // The flat paper's own level, and its spread measured on the side away from ink only, which ink cannot inflate.
    const typical = mode(kept, MIN_TOLERANCE / 2);
    sigma = 1.4826 * median(kept.filter((r) => r <= typical).map((r) => typical - r));
    const limit = typical + Math.max(OUTLIER_SIGMAS * sigma, MIN_TOLERANCE);
    keep = Uint8Array.from(inkward, (r) => (r <= limit ? 1 : 0));
  }
  return { coefficients, sigma };
}

/**
 * Background level per pixel (same layout as the image) and the noise around it (robust standard
 * deviation). inkIsDark says which side of the background ink lies on: pixels darker (or lighter) than
 * the surface by a clear margin are left out of the next fit. The first fit takes the pixels well on the
 * paper side of `threshold` (not the border: a tightly cropped digit's border is largely ink).
 */
export function estimateBackground({ width, height, data }: GrayImage, inkIsDark: boolean, threshold: number): { level: Float32Array; noise: number } {
  const stride = Math.max(1, Math.ceil(Math.sqrt((width * height) / MAX_SAMPLES)));
  const toU = (x: number) => (width > 1 ? (2 * x) / (width - 1) - 1 : 0);
  const toV = (y: number) => (height > 1 ? (2 * y) / (height - 1) - 1 : 0);
  const columns = Math.ceil(width / stride);
  const count = columns * Math.ceil(height / stride);
  const samples: Samples = { u: new Float64Array(count), v: new Float64Array(count), value: new Float64Array(count) };
  for (let k = 0; k < count; k++) {
    const x = (k % columns) * stride;
    const y = Math.floor(k / columns) * stride;
    samples.u[k] = toU(x);
    samples.v[k] = toV(y);
    samples.value[k] = data[y * width + x];
  }
  const sign = inkIsDark ? -1 : 1;
  // Blurred stroke edges fall on the paper side of the threshold too, and on a tight crop they are much of it:
  // the first fit starts halfway from the threshold to the typical paper level.
  const paperSide = samples.value.filter((v) => sign * (v - threshold) <= 0);
  const cut = paperSide.length ? (threshold + median(paperSide)) / 2 : threshold;
  const start = Uint8Array.from(samples.value, (v) => (sign * (v - cut) <= 0 ? 1 : 0));
  let best = robustFit(samples, start, sign, ORDERS[0]);
  for (const order of ORDERS.slice(1)) {
    const fit = robustFit(samples, start, sign, order);
    if (fit.sigma < BETTER_FIT * best.sigma) best = fit;
  }
  const level = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) level[y * width + x] = surfaceAt(best.coefficients, toU(x), toV(y));
  }
  return { level, noise: best.sigma };
}
