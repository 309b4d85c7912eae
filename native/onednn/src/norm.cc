// Normalisations and their gradients, each a kernel where tfjs composes a
// dozen forward and several dozen backward (means, variances, broadcasts,
// tiles, and the gradients of each): batch norm in training (statistics per
// column of a rows x channels matrix, channels last), layer norm (statistics
// per row) and the softmax gradient (a sum per row). On cnn-deep and the ViTs
// these compositions took more time than the convolutions and matrix products.
// The softmax itself is here too, on oneDNN: a row normalisation the WASM
// backend runs on one thread.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels.h"
#include "vector.h"

namespace pw {
namespace {

// Per-channel sums over the rows, K of them per channel, in double. The rows
// are cut into blocks whose size depends on the shape alone, and the blocks'
// partial sums are added in block order: the result is the same bits whatever
// the thread count and wherever the tensors sit on the heap.
constexpr int64_t BLOCK_ELEMENTS = 1 << 14;

template <int K, typename Row>
std::vector<double> channelSums(int64_t rows, int64_t channels, Row row) {
  const int64_t blockRows = std::max<int64_t>(1, BLOCK_ELEMENTS / channels);
  const int64_t blocks = (rows + blockRows - 1) / blockRows;
  const int64_t width = K * channels;
  std::vector<double> parts(static_cast<size_t>(blocks * width), 0.0);
#pragma omp parallel for schedule(static) if (rows * channels >= PARALLEL_MIN)
  for (int64_t b = 0; b < blocks; b++) {
    double *part = parts.data() + b * width;
    const int64_t end = std::min(rows, (b + 1) * blockRows);
    for (int64_t r = b * blockRows; r < end; r++) row(r, part);
  }
  std::vector<double> total(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < blocks; b++) {
    for (int64_t j = 0; j < width; j++) total[j] += parts[b * width + j];
  }
  return total;
}

// As the Relu kernel (elementwise.cc, unary op 0) and the relu gradient
// (binary op 4, dy * step(y)) compute them, so the fused relu gives their bits.
inline float reluOf(float v) { return v < 0.f ? 0.f : v; }
inline float reluGradOf(float dy, float y) { return dy * reluStep(y, 0.f); }

void checkShape(int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) throw Failure{"normalisation of an empty tensor", false};
}

struct Softmax : Cached {
  dnnl::softmax_forward prim;
  memory::desc data, scratch;
};

}  // namespace

// batchNormTrain(heap, x, scale, offset, y, mean, variance, rows, channels,
// epsilon, relu): the batch's mean and biased variance per channel (what
// tfjs's moments gives, in double before rounding) and y = (x - mean) * scale /
// sqrt(variance + epsilon) + offset, then relu(y) where relu is 1: the relu
// layer that follows a batch norm in the CNNs, one pass fewer each way (its
// gradient comes from batchNormTrainGrad, given y).
void batchNormTrain(const Args &a) {
  const int64_t rows = a.i(7), channels = a.i(8);
  checkShape(rows, channels);
  const double eps = a.f(9);
  const bool relu = a.i(10) != 0;
  const int64_t n = rows * channels;
  const float *x = a.floats(1, n), *gamma = a.floats(2, channels), *beta = a.floats(3, channels);
  float *y = a.floats(4, n), *mean = a.floats(5, channels), *var = a.floats(6, channels);
  const auto sums = channelSums<2>(rows, channels, [&](int64_t r, double *part) {
    const float *xr = x + r * channels;
    double *s = part, *q = part + channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) {
      const double v = xr[c];
      s[c] += v;
      q[c] += v * v;
    }
  });
  std::vector<float> factor(channels);
  for (int64_t c = 0; c < channels; c++) {
    const double m = sums[c] / rows;
    mean[c] = static_cast<float>(m);
    var[c] = static_cast<float>(std::max(0.0, sums[channels + c] / rows - m * m));
    factor[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps));
  }
  const float *f = factor.data();
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * channels;
    float *yr = y + r * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) {
      const float v = (xr[c] - mean[c]) * f[c] + beta[c];
      yr[c] = relu ? reluOf(v) : v;
    }
  }
}

// batchNormTrainGrad(heap, dy, x, scale, mean, variance, dMean, dVariance,
// dx, dScale, dOffset, rows, channels, epsilon, y | -1): the gradient of
// batchNormTrain with respect to x, scale and offset, given dy and the
// gradients reaching its mean and variance outputs (zeros when only the
// moving averages read them). Given y, the output of a batchNormTrain with
// relu, dy is first taken through the relu (dy * step(y)) in the same passes. With xc = x - mean, inv = 1/sqrt(var + eps),
// M = rows, S = sum(dy), T = sum(dy * xc) per channel:
//   dOffset = S, dScale = T * inv,
//   dx = scale*inv*(dy - S/M - xc*inv^2*T/M) + dMean/M + 2*dVariance*xc/M.
void batchNormTrainGrad(const Args &a) {
  const int64_t rows = a.i(11), channels = a.i(12);
  checkShape(rows, channels);
  const double eps = a.f(13);
  const int64_t n = rows * channels;
  const float *dy = a.floats(1, n), *x = a.floats(2, n), *gamma = a.floats(3, channels);
  const float *mean = a.floats(4, channels), *var = a.floats(5, channels);
  const float *dMean = a.floats(6, channels), *dVar = a.floats(7, channels);
  float *dx = a.floats(8, n), *dGamma = a.floats(9, channels), *dBeta = a.floats(10, channels);
  const float *y = a.i(14) >= 0 ? a.floats(14, n) : nullptr;
  const auto sums = channelSums<2>(rows, channels, [&](int64_t r, double *part) {
    const float *xr = x + r * channels, *dyr = dy + r * channels, *yr = y ? y + r * channels : nullptr;
    double *s = part, *t = part + channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) {
      const double g = yr ? reluGradOf(dyr[c], yr[c]) : dyr[c];
      s[c] += g;
      t[c] += g * static_cast<double>(xr[c] - mean[c]);
    }
  });
  // dx = ka*dy - kb*xc - kd, per channel.
  std::vector<float> ka(channels), kb(channels), kd(channels);
  const double m = static_cast<double>(rows);
  for (int64_t c = 0; c < channels; c++) {
    const double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps);
    const double s = sums[c], t = sums[channels + c];
    const double scaled = gamma[c] * inv;
    dBeta[c] = static_cast<float>(s);
    dGamma[c] = static_cast<float>(t * inv);
    ka[c] = static_cast<float>(scaled);
    kb[c] = static_cast<float>(scaled * inv * inv * t / m - 2.0 * dVar[c] / m);
    kd[c] = static_cast<float>(scaled * s / m - dMean[c] / m);
  }
  const float *pa = ka.data(), *pb = kb.data(), *pd = kd.data();
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * channels, *dyr = dy + r * channels, *yr = y ? y + r * channels : nullptr;
    float *out = dx + r * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) {
      const float g = yr ? reluGradOf(dyr[c], yr[c]) : dyr[c];
      out[c] = pa[c] * g - pb[c] * (xr[c] - mean[c]) - pd[c];
    }
  }
}

namespace {

// Mean and 1/sqrt(variance + eps) of one row, the variance biased and of the
// row centred on the float mean, as tfjs's layer norm computes it. A row of
// whole vectors (the ViTs' 64 columns) is summed in WIDTH float lanes, the
// lanes added in double: a chain of four additions instead of sixty-four,
// which made the row statistics most of the layer norms' time. Any other row
// is summed in double, one column after another.
double laneSum(Floats v) {
  double s = 0;
  for (int64_t l = 0; l < WIDTH; l++) s += v[l];
  return s;
}

void rowStats(const float *x, int64_t cols, double eps, float &mean, float &inv) {
  double s = 0, q = 0;
  if (cols % WIDTH == 0) {
    Floats sum = splat(0.f);
    for (int64_t c = 0; c < cols; c += WIDTH) sum += loadu(x + c);
    mean = static_cast<float>(laneSum(sum) / cols);
    const Floats m = splat(mean);
    Floats squares = splat(0.f);
    for (int64_t c = 0; c < cols; c += WIDTH) {
      const Floats d = loadu(x + c) - m;
      squares += d * d;
    }
    q = laneSum(squares);
  } else {
    for (int64_t c = 0; c < cols; c++) s += x[c];
    mean = static_cast<float>(s / cols);
    for (int64_t c = 0; c < cols; c++) {
      const double d = x[c] - mean;
      q += d * d;
    }
  }
  inv = static_cast<float>(1.0 / std::sqrt(q / cols + eps));
}

// Sums over one row of g = dy * scale and of g * xh, xh = (x - mean) * inv,
// in lanes for a row of whole vectors as rowStats does.
void gradientSums(const float *x, const float *dy, const float *gamma, int64_t cols, float mean, float inv, double &sg, double &sgx) {
  sg = sgx = 0;
  if (cols % WIDTH == 0) {
    Floats g = splat(0.f), gx = splat(0.f);
    const Floats m = splat(mean), s = splat(inv);
    for (int64_t c = 0; c < cols; c += WIDTH) {
      const Floats gc = loadu(dy + c) * loadu(gamma + c);
      g += gc;
      gx += gc * ((loadu(x + c) - m) * s);
    }
    sg = laneSum(g);
    sgx = laneSum(gx);
    return;
  }
  for (int64_t c = 0; c < cols; c++) {
    const float xh = (x[c] - mean) * inv, g = dy[c] * gamma[c];
    sg += g;
    sgx += static_cast<double>(g) * xh;
  }
}

}  // namespace

// layerNorm(heap, x, scale, offset, y, rows, cols, epsilon): every row of x
// normalised, y = (x - mean) / sqrt(variance + eps) * scale + offset, scale
// and offset one value per column.
void layerNorm(const Args &a) {
  const int64_t rows = a.i(5), cols = a.i(6);
  checkShape(rows, cols);
  const double eps = a.f(7);
  const int64_t n = rows * cols;
  const float *x = a.floats(1, n), *gamma = a.floats(2, cols), *beta = a.floats(3, cols);
  float *y = a.floats(4, n);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    float mean, inv;
    rowStats(xr, cols, eps, mean, inv);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) yr[c] = (xr[c] - mean) * inv * gamma[c] + beta[c];
  }
}

// layerNormGrad(heap, dy, x, scale, dx, dScale, dOffset, rows, cols, epsilon):
// the gradient of layerNorm, the statistics recomputed from x (a row is in
// cache anyway). With xh = (x - mean) * inv and g = dy * scale per row:
//   dx = inv * (g - mean(g) - xh * mean(g * xh)),
// dScale = sum over rows of dy * xh, dOffset = sum over rows of dy (in
// blocks added in order, as for batch norm).
void layerNormGrad(const Args &a) {
  const int64_t rows = a.i(7), cols = a.i(8);
  checkShape(rows, cols);
  const double eps = a.f(9);
  const int64_t n = rows * cols;
  const float *dy = a.floats(1, n), *x = a.floats(2, n), *gamma = a.floats(3, cols);
  float *dx = a.floats(4, n), *dGamma = a.floats(5, cols), *dBeta = a.floats(6, cols);
  const auto sums = channelSums<2>(rows, cols, [&](int64_t r, double *part) {
    const float *xr = x + r * cols, *dyr = dy + r * cols;
    float *out = dx + r * cols;
    float mean, inv;
    rowStats(xr, cols, eps, mean, inv);
    double sg, sgx;
    gradientSums(xr, dyr, gamma, cols, mean, inv, sg, sgx);
    const float mg = static_cast<float>(sg / cols), mgx = static_cast<float>(sgx / cols);
    double *pg = part, *pb = part + cols;
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) {
      const float xh = (xr[c] - mean) * inv;
      out[c] = inv * (dyr[c] * gamma[c] - mg - xh * mgx);
      pg[c] += static_cast<double>(dyr[c]) * xh;
      pb[c] += dyr[c];
    }
  });
  for (int64_t c = 0; c < cols; c++) {
    dGamma[c] = static_cast<float>(sums[c]);
    dBeta[c] = static_cast<float>(sums[cols + c]);
  }
}

// softmax(heap, x, y, rows, cols): exp(x - max) / sum(exp(x - max)) per row,
// oneDNN's JIT primitive on the whole matrix. A row holding NaN or +Infinity
// (or only -Infinity) is NaN throughout in tfjs's formula; oneDNN's leaves NaN
// in some of its places and zeros elsewhere, so such rows are filled after.
void softmax(const Args &a) {
  const int64_t rows = a.i(3), cols = a.i(4);
  checkShape(rows, cols);
  auto &p = cached<Softmax>(key("softmax", {rows, cols}), [&] {
    auto *e = new Softmax;
    e->data = memory::desc({rows, cols}, dt::f32, tag::ab);
    const dnnl::softmax_forward::desc d(dnnl::prop_kind::forward_inference, e->data, 1);
    const dnnl::softmax_forward::primitive_desc pd(d, userScratchpad(), engine());
    e->prim = dnnl::softmax_forward(pd);
    e->scratch = pd.scratchpad_desc();
    return e;
  });
  const int64_t n = rows * cols;
  float *y = a.floats(2, n);
  p.prim.execute(stream(), {{DNNL_ARG_SRC, memory(p.data, engine(), a.floats(1, n))},
                            {DNNL_ARG_DST, memory(p.data, engine(), y)},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  stream().wait();
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    float *yr = y + r * cols;
    int nan = 0;
#pragma omp simd reduction(| : nan)
    for (int64_t c = 0; c < cols; c++) nan |= yr[c] != yr[c];
    if (nan) std::fill(yr, yr + cols, std::numeric_limits<float>::quiet_NaN());
  }
}

// softmaxGrad(heap, dy, y, dx, rows, cols): the gradient of a softmax over
// each row given its output y, dx = dy * y - sum(dy * y) * y, in one pass
// where tfjs runs Multiply, Sum, Multiply and Sub.
void softmaxGrad(const Args &a) {
  const int64_t rows = a.i(4), cols = a.i(5);
  checkShape(rows, cols);
  const int64_t n = rows * cols;
  const float *dy = a.floats(1, n), *y = a.floats(2, n);
  float *dx = a.floats(3, n);
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * cols, *yr = y + r * cols;
    float *out = dx + r * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; c++) s += dyr[c] * yr[c];
    const float total = static_cast<float>(s);
#pragma omp simd
    for (int64_t c = 0; c < cols; c++) out[c] = dyr[c] * yr[c] - total * yr[c];
  }
}

}  // namespace pw
