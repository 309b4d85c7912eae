// Batch normalisation in training, forward and backward, each in two passes
// over the data. tfjs composes it from about a dozen kernels forward (the
// moments, then the normalisation) and several dozen backward (the gradients
// of both, broadcasts and tiles included); on cnn-deep they were most of the
// step. Activations are channels last: a rows x channels matrix, statistics
// per column.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"

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

void checkShape(int64_t rows, int64_t channels) {
  if (rows <= 0 || channels <= 0) throw Failure{"batch norm of an empty tensor", false};
}

}  // namespace

// batchNormTrain(heap, x, scale, offset, y, mean, variance, rows, channels,
// epsilon): the batch's mean and biased variance per channel (what tfjs's
// moments gives, in double before rounding) and y = (x - mean) * scale /
// sqrt(variance + epsilon) + offset.
void batchNormTrain(const Args &a) {
  const int64_t rows = a.i(7), channels = a.i(8);
  checkShape(rows, channels);
  const double eps = a.f(9);
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
    for (int64_t c = 0; c < channels; c++) yr[c] = (xr[c] - mean[c]) * f[c] + beta[c];
  }
}

// batchNormTrainGrad(heap, dy, x, scale, mean, variance, dMean, dVariance,
// dx, dScale, dOffset, rows, channels, epsilon): the gradient of
// batchNormTrain with respect to x, scale and offset, given dy and the
// gradients reaching its mean and variance outputs (zeros when only the
// moving averages read them). With xc = x - mean, inv = 1/sqrt(var + eps),
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
  const auto sums = channelSums<2>(rows, channels, [&](int64_t r, double *part) {
    const float *xr = x + r * channels, *dyr = dy + r * channels;
    double *s = part, *t = part + channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) {
      const double g = dyr[c];
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
    const float *xr = x + r * channels, *dyr = dy + r * channels;
    float *out = dx + r * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; c++) out[c] = pa[c] * dyr[c] - pb[c] * (xr[c] - mean[c]) - pd[c];
  }
}

}  // namespace pw
