// Elementwise kernels and sums: memory-bound loops that the WASM backend runs
// on one thread with 128-bit vectors. Here they run on the OpenMP team with
// the CPU's full vector width (the addon is built with -march=native).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <omp.h>

#include "kernels.h"
#include "vector.h"

namespace pw {
namespace {

// How an operand of a broadcast binary op is indexed at output element i:
// full (i), trailing (i % len: a bias against NHWC), leading (i / rep: one
// value per row); a one-element operand is a scalar.
enum Broadcast : int64_t { FULL = 0, TRAILING = 1, LEADING = 2 };

struct Operand {
  const float *data;
  Broadcast kind;
  int64_t len;  // elements the operand holds
  int64_t rep;  // LEADING: output elements per operand element
};

// The output seen as rows x cols, so every operand is one of: the whole
// matrix, one value per row, one value per column, or a scalar. The inner
// loop over a row is then plain and vectorised, with no division per element.
enum Access { MATRIX, PER_ROW, PER_COL, SCALAR };

struct View {
  const float *data;
  Access access;
};

template <Access A>
inline float at(const float *d, int64_t r, int64_t c, int64_t cols) {
  if constexpr (A == MATRIX) return d[r * cols + c];
  if constexpr (A == PER_ROW) return d[r];
  if constexpr (A == PER_COL) return d[c];
  return d[0];
}

template <Access A, Access B, typename Op>
void matrixLoop(const float *a, const float *b, float *out, int64_t rows, int64_t cols, Op op) {
  const int64_t n = rows * cols;
  if (rows == 1) {
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
    for (int64_t c = 0; c < cols; c++) out[c] = op(at<A>(a, 0, c, cols), at<B>(b, 0, c, cols));
    return;
  }
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    float *y = out + r * cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) y[c] = op(at<A>(a, r, c, cols), at<B>(b, r, c, cols));
  }
}

template <Access A, typename Op>
void dispatchB(const float *a, const View &b, float *out, int64_t rows, int64_t cols, Op op) {
  switch (b.access) {
    case MATRIX: return matrixLoop<A, MATRIX>(a, b.data, out, rows, cols, op);
    case PER_ROW: return matrixLoop<A, PER_ROW>(a, b.data, out, rows, cols, op);
    case PER_COL: return matrixLoop<A, PER_COL>(a, b.data, out, rows, cols, op);
    case SCALAR: return matrixLoop<A, SCALAR>(a, b.data, out, rows, cols, op);
  }
}

template <typename Op>
void binaryLoop(const Operand &a, const Operand &b, float *out, int64_t n, Op op) {
  // cols: the length a trailing operand repeats with, else the run of a leading one's value.
  int64_t cols = n;
  for (const Operand *o : {&a, &b}) {
    if (o->len > 1 && o->kind == TRAILING) cols = o->len;
  }
  if (cols == n) {
    for (const Operand *o : {&a, &b}) {
      if (o->len > 1 && o->kind == LEADING) cols = o->rep;
    }
  }
  const int64_t rows = n / cols;
  auto view = [&](const Operand &o) -> View {
    if (o.len == 1) return {o.data, SCALAR};
    if (o.kind == FULL) return {o.data, MATRIX};
    if (o.kind == TRAILING && o.len == cols) return {o.data, PER_COL};
    if (o.kind == LEADING && o.len == rows) return {o.data, PER_ROW};
    unsupported("a broadcast that is neither per row nor per column");
  };
  const View va = view(a), vb = view(b);
  switch (va.access) {
    case MATRIX: return dispatchB<MATRIX>(va.data, vb, out, rows, cols, op);
    case PER_ROW: return dispatchB<PER_ROW>(va.data, vb, out, rows, cols, op);
    case PER_COL: return dispatchB<PER_COL>(va.data, vb, out, rows, cols, op);
    case SCALAR: return dispatchB<SCALAR>(va.data, vb, out, rows, cols, op);
  }
}

Operand operand(const Args &a, size_t k, int64_t n) {
  const auto kind = static_cast<Broadcast>(a.i(k + 1));
  const int64_t len = a.i(k + 2);
  if (kind != FULL && kind != TRAILING && kind != LEADING) throw Failure{"unknown broadcast", false};
  if (len <= 0 || n % len != 0 || (kind == FULL && len != n)) throw Failure{"operand size does not divide the output", false};
  return {a.floats(k, len), kind, len, n / len};
}

}  // namespace

// GELU and its derivative a vector at a time (vector.h): the C library's
// erf is scalar, which left GELU the slowest kernel of a ViT step. erf:
// Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7, the approximation
// tfjs's CPU backend uses for Erf. Infinities and NaN come out as tfjs's
// formulas give.
// erf(x) given exp(-x * x), which GELU's gradient needs for the density too.
inline Floats verfWith(Floats x, Floats expMinusSquare) {
  const Floats a = x < 0.f ? -x : x;
  const Floats t = 1.f / (1.f + 0.3275911f * a);
  const Floats poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  const Floats e = 1.f - poly * expMinusSquare;
  return x < 0.f ? -e : e;
}

// tfjs-layers' 'gelu', x * (0.5 * (1 + erf(x / sqrt 2))), and dy * its derivative Phi(x) + x * phi(x), where
// phi(x) = exp(-x^2 / 2) / sqrt(2 pi) is erf's exp(-z^2) at z = x / sqrt 2: one exp for both.
inline Floats vgelu(Floats x, Floats) {
  const Floats z = x * static_cast<float>(M_SQRT1_2);
  return x * (0.5f * (1.f + verfWith(z, vexp(-z * z))));
}
inline Floats vgeluGrad(Floats x, Floats dy) {
  const Floats z = x * static_cast<float>(M_SQRT1_2);
  const Floats e = vexp(-z * z);
  const Floats cdf = 0.5f * (1.f + verfWith(z, e));
  return dy * (cdf + x * e * static_cast<float>(0.5 * M_2_SQRTPI * M_SQRT1_2));
}

// out[i] = f(x[i], dy[i]) (dy may be null), WIDTH at a time; the tail through a padded vector.
template <Floats (*F)(Floats, Floats)>
void vectorLoop(const float *x, const float *dy, float *out, int64_t n) {
  const int64_t blocks = (n + WIDTH - 1) / WIDTH;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN / 4)
  for (int64_t b = 0; b < blocks; b++) {
    const int64_t i = b * WIDTH, len = std::min(WIDTH, n - i);
    Floats vx{}, vdy{}, y;
    std::memcpy(&vx, x + i, len * sizeof(float));
    if (dy != nullptr) std::memcpy(&vdy, dy + i, len * sizeof(float));
    y = F(vx, vdy);
    std::memcpy(out + i, &y, len * sizeof(float));
  }
}

// binary(heap, a, aKind, aLen, b, bKind, bLen, out, n, op): op 0 add, 1 sub,
// 2 mul, 3 div, 4 relu gradient (a = dy, b = x: dy * step(x) as tfjs's Relu
// gradient computes it, NaN and signed zeros included, in one pass not three),
// 5 gelu gradient (a = dy, b = x, both whole), one pass where tfjs's is a
// dozen kernels.
void binary(const Args &a) {
  const int64_t n = a.i(8);
  const Operand x = operand(a, 1, n), y = operand(a, 4, n);
  float *out = a.floats(7, n);
  if (a.i(9) == 5) {
    if (x.kind != FULL || y.kind != FULL) unsupported("a broadcast gelu gradient");
    return vectorLoop<vgeluGrad>(y.data, x.data, out, n);
  }
  switch (a.i(9)) {
    case 0: return binaryLoop(x, y, out, n, [](float p, float q) { return p + q; });
    case 1: return binaryLoop(x, y, out, n, [](float p, float q) { return p - q; });
    case 2: return binaryLoop(x, y, out, n, [](float p, float q) { return p * q; });
    case 3: return binaryLoop(x, y, out, n, [](float p, float q) { return p / q; });
    case 4: return binaryLoop(x, y, out, n, [](float p, float q) { return p * reluStep(q, 0.f); });
    default: unsupported("binary op " + std::to_string(a.i(9)));
  }
}

// unary(heap, x, out, n, op, alpha): op 0 relu, 1 step (alpha where x <= 0,
// NaN stays NaN), 2 square, 3 sqrt, 4 neg, 5 copy of a bool (uint8) to float,
// 6 exp, 7 erf, 8 rsqrt, 9 log, 10 tanh, 11 gelu.
void unary(const Args &a) {
  const int64_t n = a.i(3), op = a.i(4);
  const float alpha = static_cast<float>(a.f(5));
  float *out = a.floats(2, n);
  if (op == 5) {
    const int64_t offset = a.i(1);
    if (offset < 0 || static_cast<uint64_t>(offset + n) > a.heapBytes()) throw Failure{"bool tensor outside the heap", false};
    const uint8_t *x = a.heap() + offset;
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) out[i] = x[i] ? 1.f : 0.f;
    return;
  }
  const float *x = a.floats(1, n);
  switch (op) {
    case 0:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = x[i] < 0.f ? 0.f : x[i];  // NaN stays NaN, as in tfjs
      return;
    case 1:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = reluStep(x[i], alpha);
      return;
    case 2:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    case 3:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = std::sqrt(x[i]);
      return;
    case 4:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 6:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN / 8)
      for (int64_t i = 0; i < n; i++) out[i] = std::exp(x[i]);
      return;
    case 7:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN / 8)
      for (int64_t i = 0; i < n; i++) out[i] = std::erf(x[i]);
      return;
    case 8:
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
      for (int64_t i = 0; i < n; i++) out[i] = 1.f / std::sqrt(x[i]);
      return;
    case 9:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN / 8)
      for (int64_t i = 0; i < n; i++) out[i] = std::log(x[i]);
      return;
    case 10:
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN / 8)
      for (int64_t i = 0; i < n; i++) out[i] = std::tanh(x[i]);
      return;
    case 11:
      return vectorLoop<vgelu>(x, nullptr, out, n);
    default:
      unsupported("unary op " + std::to_string(op));
  }
}

// sum(heap, x, out, rows, cols, leading, divisor): leading 1 sums over rows (out
// has cols values: a bias gradient over N·H·W), 0 over cols (out has rows
// values); each total is divided by divisor (1 for Sum, the count for Mean).
// The order of every addition is fixed by the source, never by where a tensor
// sits on the heap or which thread finishes first, so a run repeats exactly:
// a row is summed in LANES interleaved partial sums (vectorisable without
// reassociation), and the threads' partial sums are added in thread order.
constexpr int64_t LANES = 16;

void sum(const Args &a) {
  const int64_t rows = a.i(3), cols = a.i(4);
  const float divisor = static_cast<float>(a.f(6));
  const float *x = a.floats(1, rows * cols);
  if (a.i(5) == 0) {
    float *out = a.floats(2, rows);
#pragma omp parallel for schedule(static) if (rows * cols >= PARALLEL_MIN)
    for (int64_t r = 0; r < rows; r++) {
      const float *row = x + r * cols;
      float lane[LANES] = {0.f};
      int64_t c = 0;
      for (; c + LANES <= cols; c += LANES) {
        for (int64_t l = 0; l < LANES; l++) lane[l] += row[c + l];
      }
      for (int64_t l = 0; c < cols; c++, l++) lane[l] += row[c];
      float s = 0.f;
      for (int64_t l = 0; l < LANES; l++) s += lane[l];
      out[r] = divisor == 1.f ? s : s / divisor;
    }
    return;
  }
  float *out = a.floats(2, cols);
  const int teams = rows * cols >= PARALLEL_MIN ? threads() : 1;
  std::vector<float> parts(static_cast<size_t>(teams) * cols, 0.f);
#pragma omp parallel num_threads(teams)
  {
    float *part = parts.data() + static_cast<size_t>(omp_get_thread_num()) * cols;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; r++) {
      const float *row = x + r * cols;
      for (int64_t c = 0; c < cols; c++) part[c] += row[c];
    }
  }
  for (int64_t c = 0; c < cols; c++) {
    double total = 0;
    for (int t = 0; t < teams; t++) total += parts[static_cast<size_t>(t) * cols + c];
    out[c] = divisor == 1.f ? static_cast<float>(total) : static_cast<float>(total) / divisor;
  }
}

// tile(heap, x, out, rank, inShape..., reps...): out has shape inShape * reps.
// Each output row (the last dimension) is the input row its index maps to,
// repeated reps[last] times: batch norm's gradient tiles its per-channel
// scale over the whole batch this way.
void tile(const Args &a) {
  const int64_t rank = a.i(3);
  if (rank < 1 || rank > 8) unsupported("tile of rank " + std::to_string(rank));
  int64_t in[8], reps[8], out[8];
  int64_t inSize = 1, outSize = 1;
  for (int64_t d = 0; d < rank; d++) {
    in[d] = a.i(4 + d);
    reps[d] = a.i(4 + rank + d);
    out[d] = in[d] * reps[d];
    inSize *= in[d];
    outSize *= out[d];
  }
  const float *x = a.floats(1, inSize);
  float *y = a.floats(2, outSize);
  const int64_t row = in[rank - 1], outRow = out[rank - 1], rows = outSize / outRow;
#pragma omp parallel for schedule(static) if (outSize >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    // The source row of output row r: each outer index modulo the input's size.
    int64_t rest = r, source = 0, stride = row;
    for (int64_t d = rank - 2; d >= 0; d--) {
      source += (rest % out[d]) % in[d] * stride;
      rest /= out[d];
      stride *= in[d];
    }
    float *dst = y + r * outRow;
    for (int64_t k = 0; k < reps[rank - 1]; k++) std::memcpy(dst + k * row, x + source, row * sizeof(float));
  }
}

// transpose(heap, x, out, rank, shape..., perm...): out's dimension d is x's
// dimension perm[d] (float32). The attention's head split and merge are such
// permutations, which keep the last dimension: each output row is then one
// contiguous copy. The WASM kernel runs them on one thread.
void transpose(const Args &a) {
  const int64_t rank = a.i(3);
  if (rank < 1 || rank > 8) unsupported("transpose of rank " + std::to_string(rank));
  int64_t shape[8], perm[8], inStride[8], outShape[8], srcStride[8];
  int64_t size = 1;
  for (int64_t d = 0; d < rank; d++) {
    shape[d] = a.i(4 + d);
    perm[d] = a.i(4 + rank + d);
    if (perm[d] < 0 || perm[d] >= rank) throw Failure{"transpose: bad permutation", false};
    size *= shape[d];
  }
  for (int64_t d = rank - 1, stride = 1; d >= 0; d--) {
    inStride[d] = stride;
    stride *= shape[d];
  }
  for (int64_t d = 0; d < rank; d++) {
    outShape[d] = shape[perm[d]];
    srcStride[d] = inStride[perm[d]];
  }
  const float *x = a.floats(1, size);
  float *y = a.floats(2, size);
  const int64_t len = outShape[rank - 1], step = srcStride[rank - 1], rows = size / len;
  // Each thread takes a range of output rows and walks the source offset like an odometer: a division per
  // dimension per row would cost more than the copy. A copy is memory-bound: one thread keeps up with
  // WASM's until tensors are far bigger than the attention's.
  const int teams = size >= 32 * PARALLEL_MIN ? threads() : 1;
#pragma omp parallel num_threads(teams)
  {
    const int64_t team = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = rows * t / team, end = rows * (t + 1) / team;
    int64_t index[8] = {0}, source = 0;
    for (int64_t d = rank - 2, rest = begin; d >= 0; d--) {
      index[d] = rest % outShape[d];
      source += index[d] * srcStride[d];
      rest /= outShape[d];
    }
    for (int64_t r = begin; r < end; r++) {
      float *dst = y + r * len;
      if (step == 1) {
        std::memcpy(dst, x + source, len * sizeof(float));
      } else {
        for (int64_t k = 0; k < len; k++) dst[k] = x[source + k * step];
      }
      for (int64_t d = rank - 2; d >= 0; d--) {
        source += srcStride[d];
        if (++index[d] < outShape[d]) break;
        source -= index[d] * srcStride[d];
        index[d] = 0;
      }
    }
  }
}

// batchNorm(heap, x, mean, variance, offset | -1, scale | -1, out, n, channels,
// epsilon, meanLen, varLen, offsetLen, scaleLen): tfjs's FusedBatchNorm on
// channels-last data, every parameter one value or one per channel.
void batchNorm(const Args &a) {
  const int64_t n = a.i(7), channels = a.i(8);
  const float eps = static_cast<float>(a.f(9));
  const float *x = a.floats(1, n);
  float *y = a.floats(6, n);
  auto param = [&](size_t k, int64_t len, float fallback) {
    std::vector<float> v(channels, fallback);
    if (a.i(k) < 0) return v;
    if (len != 1 && len != channels) unsupported("batch norm parameter of another shape");
    const float *p = a.floats(k, len);
    for (int64_t c = 0; c < channels; c++) v[c] = p[len == 1 ? 0 : c];
    return v;
  };
  const auto mean = param(2, a.i(10), 0.f), var = param(3, a.i(11), 1.f);
  const auto offset = param(4, a.i(12), 0.f), scale = param(5, a.i(13), 1.f);
  std::vector<float> factor(channels);
  for (int64_t c = 0; c < channels; c++) factor[c] = scale[c] / std::sqrt(var[c] + eps);
  const int64_t rows = n / channels;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * channels;
    float *yr = y + r * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) yr[c] = offset[c] + (xr[c] - mean[c]) * factor[c];
  }
}

// a * b modulo 2^64 from 32-bit halves, the same bits: AVX2 has no 64-bit
// vector multiply, so a * b kept the mask's loop scalar, but it has the
// widening 32 x 32 -> 64 bit one and the 32-bit one these are written in.
inline uint64_t multiply64(uint64_t a, uint64_t b) {
  const uint32_t aLo = static_cast<uint32_t>(a), aHi = static_cast<uint32_t>(a >> 32);
  const uint32_t bLo = static_cast<uint32_t>(b), bHi = static_cast<uint32_t>(b >> 32);
  const uint32_t cross = aHi * bLo + aLo * bHi;
  return static_cast<uint64_t>(aLo) * bLo + (static_cast<uint64_t>(cross) << 32);
}

// dropoutMask(heap, out, n, keepProb, seed): the multiplier of inverted dropout,
// 1/keepProb where a uniform draw u in [0,1) has u + keepProb >= 1 (as tfjs's
// floor(u + keepProb) / keepProb), else 0. Draw i is splitmix64 of seed + i:
// counter-based, so the mask depends on the seed alone, not on the threads.
// tfjs draws these in JavaScript, one at a time, which costs more than the
// rest of a CNN's training step.
void dropoutMask(const Args &a) {
  const int64_t n = a.i(2);
  const float keep = static_cast<float>(a.f(3));
  const uint64_t seed = static_cast<uint64_t>(a.i(4));
  float *out = a.floats(1, n);
  const float scale = 1.f / keep;
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    uint64_t z = seed + multiply64(static_cast<uint64_t>(i), 0x9E3779B97F4A7C15ull);
    z = multiply64(z ^ (z >> 30), 0xBF58476D1CE4E5B9ull);
    z = multiply64(z ^ (z >> 27), 0x94D049BB133111EBull);
    z ^= z >> 31;
    // The top 24 bits, through int32 (AVX2 converts no 64-bit integers to float).
    const float u = static_cast<float>(static_cast<int32_t>(z >> 40)) * 0x1.0p-24f;
    out[i] = u + keep >= 1.f ? scale : 0.f;
  }
}

// adam(heap, value, m, v, gradient, accBeta1, accBeta2, outValue, outM, outV,
// n, beta1, beta2, epsilon, learningRate): one pass of tf.train.adam's update
// for one variable, in place of its fourteen elementwise kernels. Every
// operation rounds to float32 in tfjs's order (the addon is built with
// -ffp-contract=off, so no fused multiply-add), which makes the result equal
// bit for bit to the WASM backend's.
void adam(const Args &a) {
  const int64_t n = a.i(10);
  const float *value = a.floats(1, n), *m = a.floats(2, n), *v = a.floats(3, n), *g = a.floats(4, n);
  const float accBeta1 = *a.floats(5, 1), accBeta2 = *a.floats(6, 1);
  float *outValue = a.floats(7, n), *outM = a.floats(8, n), *outV = a.floats(9, n);
  const double beta1 = a.f(11), beta2 = a.f(12);
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float c1 = static_cast<float>(1 - beta1), c2 = static_cast<float>(1 - beta2);
  const float eps = static_cast<float>(a.f(13)), negLr = static_cast<float>(-a.f(14));
  const float oneMinusAcc1 = 1.f - accBeta1, oneMinusAcc2 = 1.f - accBeta2;
#pragma omp parallel for simd schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t i = 0; i < n; i++) {
    const float m1 = m[i] * b1 + g[i] * c1;
    const float v1 = v[i] * b2 + (g[i] * g[i]) * c2;
    const float mHat = m1 / oneMinusAcc1, vHat = v1 / oneMinusAcc2;
    outValue[i] = (mHat / (std::sqrt(vHat) + eps)) * negLr + value[i];
    outM[i] = m1;
    outV[i] = v1;
  }
}

}  // namespace pw
