// Max and average pooling on NHWC tensors, forward and backward.
//
// tfjs's MaxPoolGrad receives the forward input and output but oneDNN's max
// pooling backward wants the forward pass's workspace (where each maximum
// was), which would mean running the forward pass again: the max-pooling
// gradient is a loop of its own instead, one pass that finds each window's
// maximum in x and hands it the window's gradient, as tfjs's reference does
// (the first maximum in row-major window order; none in a window of NaNs).
// Average pooling excludes the padding from each window's count, as tfjs's
// AvgPool does; its gradient, as tfjs's AvgPoolGrad does, divides by the full
// window instead (the two disagree at the border: the reference is matched).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "vector.h"

namespace pw {
namespace {

using dnnl::algorithm;
using dnnl::pooling_backward;
using dnnl::pooling_forward;
using dnnl::prop_kind;

struct Geometry {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr;
  bool max;

  static Geometry read(const Args &a, size_t k) {
    Geometry g;
    int64_t *fields[] = {&g.n, &g.h, &g.w, &g.c, &g.oh, &g.ow, &g.kh, &g.kw, &g.sh, &g.sw, &g.pt, &g.pl, &g.pb, &g.pr};
    for (int64_t *f : fields) *f = a.i(k++);
    g.max = a.i(k) != 0;
    return g;
  }
  std::string key(const char *name) const {
    return pw::key(name, {n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, max});
  }
  // Windows that cover every pixel once: as large as their stride, no padding, sides a whole number of them.
  bool tiles() const { return sh == kh && sw == kw && pt == 0 && pl == 0 && oh * kh == h && ow * kw == w; }
  memory::desc src() const { return {{n, c, h, w}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, c, oh, ow}, dt::f32, tag::nhwc}; }
  algorithm kind(bool backward) const {
    if (max) return algorithm::pooling_max;
    return backward ? algorithm::pooling_avg_include_padding : algorithm::pooling_avg_exclude_padding;
  }
  pooling_forward::primitive_desc forward(prop_kind prop, bool backward = false) const {
    const pooling_forward::desc d(prop, kind(backward), src(), dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
    return {d, userScratchpad(), engine()};
  }
};

struct Forward : Cached {
  pooling_forward prim;
  memory::desc scratch;
  explicit Forward(const pooling_forward::primitive_desc &pd) : prim(pd), scratch(pd.scratchpad_desc()) {}
};

struct Backward : Cached {
  pooling_backward prim;
  memory::desc scratch;
};

// The maximum of one window, per channel: the first strictly greatest value
// in row-major window order, and its pixel (-1 where no value beats -inf:
// a window of NaNs passes no gradient, as in tfjs's reference).
void windowMax(const Geometry &g, const float *xb, int64_t oy, int64_t ox, float *best, int32_t *at) {
  std::fill(best, best + g.c, -std::numeric_limits<float>::infinity());
  std::fill(at, at + g.c, -1);
  for (int64_t ky = 0; ky < g.kh; ky++) {
    const int64_t iy = oy * g.sh - g.pt + ky;
    if (iy < 0 || iy >= g.h) continue;
    for (int64_t kx = 0; kx < g.kw; kx++) {
      const int64_t ix = ox * g.sw - g.pl + kx;
      if (ix < 0 || ix >= g.w) continue;
      const int32_t pos = static_cast<int32_t>(iy * g.w + ix);
      const float *xp = xb + pos * g.c;
#pragma omp simd
      for (int64_t c = 0; c < g.c; c++) {
        const bool greater = xp[c] > best[c];
        best[c] = greater ? xp[c] : best[c];
        at[c] = greater ? pos : at[c];
      }
    }
  }
}

// 2x2 max pooling at stride 2 without padding, the CNNs' every pooling, on
// whole vectors of channels: the four pixels of a window are four vector
// loads and three selects, one pass at the speed of memory. oneDNN's NHWC
// max pooling and the general loops here (windowMax) took several times as
// long for this case (docs/performance.md). The window's maximum is the first
// strictly greatest value in row-major order, from -inf, as windowMax's and
// tfjs's reference: NaN is passed over.
bool pairs(const Geometry &g) {
  return g.max && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.pt == 0 && g.pl == 0 && 2 * g.oh <= g.h && 2 * g.ow <= g.w &&
         g.c % WIDTH == 0;
}

// Calls f(r, offset) for each output row r (rows of every image in
// parallel), with the offset of its top input row, 2 · oy, in x (and dx).
template <typename F>
void forEachOutputRow(const Geometry &g, F &&f) {
  const int64_t rowIn = g.w * g.c;
#pragma omp parallel for schedule(static) if (g.n * g.h * rowIn >= PARALLEL_MIN)
  for (int64_t r = 0; r < g.n * g.oh; r++) f(r, ((r / g.oh) * g.h + 2 * (r % g.oh)) * rowIn);
}

// The four pixels of window ox, channels c..c + WIDTH, in row-major order.
inline void windowOf(const float *top, const float *bottom, int64_t ox, int64_t c, int64_t C, Floats v[4]) {
  v[0] = loadu(top + 2 * ox * C + c);
  v[1] = loadu(top + (2 * ox + 1) * C + c);
  v[2] = loadu(bottom + 2 * ox * C + c);
  v[3] = loadu(bottom + (2 * ox + 1) * C + c);
}

// The window's maximum, and in `at` which of its four pixels holds it first
// (-1 in a lane where none beats -inf).
inline Floats windowBest(const Floats v[4], Ints &at) {
  Floats best = splat(-std::numeric_limits<float>::infinity());
  at = Ints{} - 1;
  for (int k = 0; k < 4; k++) {
    const Ints greater = v[k] > best;
    best = greater ? v[k] : best;
    at = greater ? Ints{} + k : at;
  }
  return best;
}

void maxPoolPairs(const Geometry &g, const float *x, float *y) {
  const int64_t C = g.c;
  forEachOutputRow(g, [&](int64_t r, int64_t offset) {
    const float *top = x + offset, *bottom = top + g.w * C;
    float *out = y + r * g.ow * C;
    for (int64_t ox = 0; ox < g.ow; ox++)
      for (int64_t c = 0; c < C; c += WIDTH) {
        Floats v[4];
        windowOf(top, bottom, ox, c, C, v);
        Ints at;
        storeu(out + ox * C + c, windowBest(v, at));
      }
  });
}

// maxPoolGrad for these windows where they tile the image: each window
// writes its four pixels, dy at the first maximum and 0 elsewhere, or 0
// everywhere when the maximum is not above `floor`.
void maxPoolGradPairs(const Geometry &g, const float *dy, const float *x, float *dx, float floor) {
  const int64_t C = g.c;
  forEachOutputRow(g, [&](int64_t r, int64_t offset) {
    const float *top = x + offset, *bottom = top + g.w * C, *dyRow = dy + r * g.ow * C;
    float *dxTop = dx + offset, *dxBottom = dxTop + g.w * C;
    for (int64_t ox = 0; ox < g.ow; ox++)
      for (int64_t c = 0; c < C; c += WIDTH) {
        Floats v[4];
        windowOf(top, bottom, ox, c, C, v);
        Ints at;
        const Ints passes = windowBest(v, at) > splat(floor);
        const Floats d = loadu(dyRow + ox * C + c);
        float *targets[4] = {dxTop + 2 * ox * C + c, dxTop + (2 * ox + 1) * C + c, dxBottom + 2 * ox * C + c, dxBottom + (2 * ox + 1) * C + c};
        for (int k = 0; k < 4; k++) storeu(targets[k], (passes & (at == k)) ? d : Floats{});
      }
  });
}

// dx of max pooling: per image (one thread each, so the sums of overlapping
// windows come in the same order on any thread count), dy added at each
// window's maximum. With `relu` the pooled x is a relu's output and the
// relu's gradient is folded in: a window whose maximum is not positive
// passes nothing, which is what multiplying by step(x) afterwards gives,
// without that extra pass over the layer's largest tensor.
//
// Windows that tile the image exactly (2x2 stride 2 on an even side, the
// CNNs' pooling) cover every pixel once, so each window writes its pixels
// outright; otherwise dx is cleared and each window adds into it.
void maxPoolGrad(const Geometry &g, const float *dy, const float *x, float *dx, bool relu) {
  const int64_t image = g.h * g.w * g.c, outImage = g.oh * g.ow * g.c;
  const bool tiles = g.tiles();
  const float floor = relu ? 0.f : -std::numeric_limits<float>::infinity();
  if (tiles && pairs(g)) return maxPoolGradPairs(g, dy, x, dx, floor);
#pragma omp parallel if (g.n * image >= PARALLEL_MIN)
  {
    std::vector<float> best(static_cast<size_t>(g.c));
    std::vector<int32_t> at(static_cast<size_t>(g.c));
    float *bv = best.data();
    int32_t *av = at.data();
#pragma omp for schedule(static)
    for (int64_t b = 0; b < g.n; b++) {
      const float *xb = x + b * image, *dyb = dy + b * outImage;
      float *dxb = dx + b * image;
      if (!tiles) std::memset(dxb, 0, static_cast<size_t>(image) * sizeof(float));
      for (int64_t oy = 0; oy < g.oh; oy++) {
        for (int64_t ox = 0; ox < g.ow; ox++) {
          windowMax(g, xb, oy, ox, bv, av);
          const float *dyp = dyb + (oy * g.ow + ox) * g.c;
          if (!tiles) {
            for (int64_t c = 0; c < g.c; c++) {
              if (av[c] >= 0 && bv[c] > floor) dxb[av[c] * g.c + c] += dyp[c];
            }
            continue;
          }
          for (int64_t ky = 0; ky < g.kh; ky++) {
            for (int64_t kx = 0; kx < g.kw; kx++) {
              const int32_t pos = static_cast<int32_t>((oy * g.kh + ky) * g.w + ox * g.kw + kx);
              float *dxp = dxb + pos * g.c;
#pragma omp simd
              for (int64_t c = 0; c < g.c; c++) dxp[c] = av[c] == pos && bv[c] > floor ? dyp[c] : 0.f;
            }
          }
        }
      }
    }
  }
}
}  // namespace

// pool(heap, x, -1, -1, y, geometry..., max)
void pool(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  if (pairs(g)) return maxPoolPairs(g, a.floats(1, g.n * g.h * g.w * g.c), a.floats(4, g.n * g.oh * g.ow * g.c));
  auto &p = cached<Forward>(g.key("pool"), [&] { return new Forward(g.forward(prop_kind::forward_inference)); });
  p.prim.execute(stream(), {{DNNL_ARG_SRC, memory(g.src(), engine(), a.floats(1, g.n * g.h * g.w * g.c))},
                            {DNNL_ARG_DST, memory(g.dst(), engine(), a.floats(4, g.n * g.oh * g.ow * g.c))},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  stream().wait();
}

// poolGrad(heap, dy, x, -1, dx, geometry..., max, relu)
void poolGrad(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  const float *dyData = a.floats(1, g.n * g.oh * g.ow * g.c);
  float *dxData = a.floats(4, g.n * g.h * g.w * g.c);
  if (g.max) return maxPoolGrad(g, dyData, a.floats(2, g.n * g.h * g.w * g.c), dxData, a.i(20) != 0);
  auto &p = cached<Backward>(g.key("pool-bwd"), [&] {
    auto *e = new Backward;
    const auto fwd = g.forward(prop_kind::forward_training, true);
    const pooling_backward::desc d(g.kind(true), g.src(), g.dst(), {g.sh, g.sw}, {g.kh, g.kw}, {g.pt, g.pl}, {g.pb, g.pr});
    const pooling_backward::primitive_desc pd(d, userScratchpad(), engine(), fwd);
    e->prim = pooling_backward(pd);
    e->scratch = pd.scratchpad_desc();
    return e;
  });
  p.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, memory(g.dst(), engine(), const_cast<float *>(dyData))},
                            {DNNL_ARG_DIFF_SRC, memory(g.src(), engine(), dxData)},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  stream().wait();
}

}  // namespace pw
