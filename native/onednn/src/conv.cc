// 2-D convolution, forward and both gradients, on NHWC tensors: oneDNN's
// primitives, except for the filter gradient of a one-channel input (below)
// and, where oneDNN has no Winograd kernels, the 3x3 stride-1 convolutions
// (winograd.h).
//
// Activations stay NHWC as tfjs holds them: oneDNN's direct NHWC kernels are
// fast, and reordering every activation into a blocked layout and back costs
// more than the blocked kernels gain for these small images. Weights are the
// exception: the primitive chooses their layout (format `any`) and the HWIO
// weights of tfjs are reordered into it on every call, because a primitive
// forced onto plain HWIO weights falls back to oneDNN's reference code,
// orders of magnitude slower.
//
// One exception for activations: oneDNN's Winograd F(4x4, 3x3) kernels need
// the blocked layout, and they do fewer than half the multiplications, which
// pays for reordering the activations at the edges of the call, where it was
// measured faster on the models' layers (docs/performance.md): every 3x3
// stride-1 forward with channel counts a multiple of 16; the data gradient of
// such a convolution when padded ('same'), the filter gradient when unpadded
// ('valid'). The other way round each gradient was as slow or slower. oneDNN
// has Winograd kernels for AVX-512 only; elsewhere (AVX2) our own F(4x4, 3x3)
// on NHWC runs all three passes of those convolutions, faster than oneDNN's
// direct kernels in each (docs/performance.md, session 12).
#include <algorithm>
#include <type_traits>
#include <vector>

#include "kernels.h"
#include "vector.h"
#include "winograd.h"

// The one loop of this file that is not oneDNN's, the one-channel filter
// gradient, is sums of products: fused multiply-adds, as oneDNN's own kernels
// use (the build keeps them apart elsewhere, for the elementwise kernels).
#pragma GCC optimize("fp-contract=fast")

namespace pw {
namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;
using dnnl::reorder;

// Whether this build and CPU have oneDNN's Winograd kernels (AVX-512 only): a primitive for a small
// convolution is asked for once.
bool onednnWinograd() {
  static const bool has = [] {
    const memory::desc x({1, 16, 8, 8}, dt::f32, tag::any), w({16, 16, 3, 3}, dt::f32, tag::any);
    try {
      convolution_forward::primitive_desc(
          convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_winograd, x, w, x, {1, 1},
                                    {0, 0}, {1, 1}, {1, 1}),
          engine());
      return true;
    } catch (const dnnl::error &) {
      return false;
    }
  }();
  return has;
}

// The geometry of one convolution, as tfjs's computeConv2DInfo gives it.
struct Geometry {
  int64_t n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;

  static Geometry read(const Args &a, size_t k) {
    Geometry g;
    int64_t *fields[] = {&g.n, &g.h, &g.w, &g.c, &g.oh, &g.ow, &g.o, &g.kh, &g.kw,
                         &g.sh, &g.sw, &g.dh, &g.dw, &g.pt, &g.pl, &g.pb, &g.pr};
    for (int64_t *f : fields) *f = a.i(k++);
    return g;
  }
  std::string key(const char *name, int64_t extra = 0) const {
    return pw::key(name, {n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, extra});
  }
  memory::desc src() const { return {{n, c, h, w}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, o, oh, ow}, dt::f32, tag::nhwc}; }
  memory::desc userWeights() const { return {{o, c, kh, kw}, dt::f32, tag::hwio}; }
  memory::desc anyWeights() const { return {{o, c, kh, kw}, dt::f32, tag::any}; }
  memory::desc bias() const { return {{o}, dt::f32, tag::x}; }
  // A Winograd primitive is worth trying for this pass (see the top of the file).
  enum Pass { kForward, kData, kWeights };
  bool winograd(Pass pass) const {
    const bool padded = pt + pl + pb + pr > 0;
    return winogradFits() && (pass == kForward || (pass == kData) == padded);
  }
  // 3x3, stride 1, no dilation, channel counts a multiple of 16: the convolutions both Winograd
  // implementations take.
  bool winogradFits() const {
    return kh == 3 && kw == 3 && sh == 1 && sw == 1 && dh == 1 && dw == 1 && winogradChannels(c, o);
  }
  // Our own Winograd kernels (winograd.h) run the 3x3 stride-1 convolutions where oneDNN has none.
  bool ownWinograd() const { return winogradFits() && std::max({pt, pl, pb, pr}) <= 2 && !onednnWinograd(); }
  WinogradShape winogradShape() const { return {n, h, w, c, oh, ow, o, pt, pl}; }
  // The input gradient's: dy convolved with the flipped filter, padded so that it gives x's extent.
  WinogradShape winogradDataShape() const { return {n, oh, ow, o, h, w, c, 2 - pt, 2 - pl}; }
  // tfjs's NHWC layout for the direct algorithm; the primitive's choice (blocked) for Winograd.
  memory::desc src(algorithm alg) const {
    return alg == algorithm::convolution_direct ? src() : memory::desc({n, c, h, w}, dt::f32, tag::any);
  }
  memory::desc dst(algorithm alg) const {
    return alg == algorithm::convolution_direct ? dst() : memory::desc({n, o, oh, ow}, dt::f32, tag::any);
  }
  memory::dims strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (no dilation), tfjs from 1.
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }

  convolution_forward::primitive_desc forward(bool withBias, const dnnl::primitive_attr &attr,
                                              algorithm alg = algorithm::convolution_direct) const {
    const auto d = withBias
        ? convolution_forward::desc(prop_kind::forward_training, alg, src(alg), anyWeights(), bias(), dst(alg),
                                    strides(), dilates(), padL(), padR())
        : convolution_forward::desc(prop_kind::forward_training, alg, src(alg), anyWeights(), dst(alg),
                                    strides(), dilates(), padL(), padR());
    return {d, attr, engine()};
  }
};

// The primitive descriptor `make(alg)` gives for Winograd where `wanted` and this build and CPU have the
// kernel, else for the direct algorithm.
template <typename Make>
auto choose(bool wanted, Make make) {
  if (wanted) {
    try {
      return make(algorithm::convolution_winograd);
    } catch (const dnnl::error &) {
      // No Winograd kernel for the case here: the direct one.
    }
  }
  return make(algorithm::convolution_direct);
}

// A gradient's primitive descriptor (both take the same arguments, and the filter gradient may also give the
// bias gradient, summed in the same pass over dy), with the forward of the same algorithm as its hint.
template <typename Primitive>
typename Primitive::primitive_desc gradient(const Geometry &g, Geometry::Pass pass, bool withBias = false) {
  return choose(g.winograd(pass), [&](algorithm alg) {
    const auto d = [&] {
      if constexpr (std::is_same_v<Primitive, convolution_backward_weights>) {
        if (withBias) return typename Primitive::desc(alg, g.src(alg), g.anyWeights(), g.bias(), g.dst(alg), g.strides(),
                                                      g.dilates(), g.padL(), g.padR());
      }
      return typename Primitive::desc(alg, g.src(alg), g.anyWeights(), g.dst(alg), g.strides(), g.dilates(), g.padL(), g.padR());
    }();
    return typename Primitive::primitive_desc(d, userScratchpad(), engine(), g.forward(withBias, userScratchpad(), alg));
  });
}

// An activation in the layout a primitive chose, when that is not tfjs's NHWC: the copy lives in a buffer
// shared by every primitive of the JS thread (slot 0 the input side, 1 the output side; calls are
// sequential), and the reorder moves it in before or out after the primitive runs.
class Activation {
 public:
  Activation(const memory::desc &user, const memory::desc &chosen, int slot, bool in)
      : chosen_(chosen), slot_(slot), blocked_(user != chosen) {
    if (!blocked_) return;
    memory u(user, engine(), nullptr), c(chosen, engine(), nullptr);
    move_ = in ? reorder(u, c) : reorder(c, u);
  }
  // What the primitive reads for the tensor at `data`.
  memory in(const memory::desc &user, float *data) const {
    memory u(user, engine(), data);
    if (!blocked_) return u;
    memory c = copy();
    move_.execute(stream(), u, c);
    return c;
  }
  // What the primitive writes for the tensor at `data`; `flush` then moves it there.
  memory out(const memory::desc &user, float *data) const {
    return blocked_ ? copy() : memory(user, engine(), data);
  }
  void flush(memory written, const memory::desc &user, float *data) const {
    if (!blocked_) return;
    memory u(user, engine(), data);
    move_.execute(stream(), written, u);
  }

 private:
  memory copy() const {
    thread_local std::vector<uint8_t> slots[2];
    auto &bytes = slots[slot_];
    const size_t size = chosen_.get_size();
    if (bytes.size() < size + 64) bytes.resize(size + 64);
    auto base = reinterpret_cast<uintptr_t>(bytes.data());
    return memory(chosen_, engine(), reinterpret_cast<void *>((base + 63) & ~uintptr_t(63)));
  }
  memory::desc chosen_;
  int slot_;
  bool blocked_;
  reorder move_;
};

// Weights in the layout a primitive chose, and the reorder that fills them.
struct PrimitiveWeights {
  memory::desc user, chosen;
  memory buffer;
  reorder toChosen, toUser;

  PrimitiveWeights(const memory::desc &user, const memory::desc &chosen, bool fromUser)
      : user(user), chosen(chosen) {
    if (user == chosen) return;
    buffer = memory(chosen, engine());
    if (fromUser) {
      toChosen = reorder(memory(user, engine(), nullptr), buffer);
    } else {
      toUser = reorder(buffer, memory(user, engine(), nullptr));
    }
  }
  bool same() const { return user == chosen; }
};

// A cached convolution primitive with its scratchpad size and its weights' layout.
// `first` and `second` are its two activations (forward: src, dst; data gradient: diff_dst, diff_src;
// weights gradient: src, diff_dst).
template <typename Primitive>
struct Conv : Cached {
  Primitive prim;
  memory::desc scratch;
  PrimitiveWeights weights;
  Activation first, second;
  template <typename PrimitiveDesc>
  Conv(const PrimitiveDesc &pd, const memory::desc &user, const memory::desc &chosen, bool fromUser,
       Activation first, Activation second)
      : prim(pd), scratch(pd.scratchpad_desc()), weights(user, chosen, fromUser), first(first), second(second) {}
};
using Forward = Conv<convolution_forward>;
using BackwardData = Conv<convolution_backward_data>;
using BackwardWeights = Conv<convolution_backward_weights>;

// The user's weights at `data`, in the primitive's layout (reordered if needed).
memory weightsIn(PrimitiveWeights &w, float *data) {
  memory user(w.user, engine(), data);
  if (w.same()) return user;
  w.toChosen.execute(stream(), user, w.buffer);
  return w.buffer;
}

// The filter gradient of a one-channel input, every CNN's first layer here,
// and its bias gradient (db may be null) in the same pass: oneDNN's kernels
// for a single input channel were several times slower than this loop. dw is
// HWIO as tfjs holds it, dw[ky][kx][0][o] = sum of x[iy][ix] · dy[oy][ox][o].
// For output channels of whole vectors (OV of them) one tap's sums over an
// image stay in registers; otherwise the taps' sums are updated in memory.
// Each image's sums are its own (in float, its dy is in cache), added in image
// order in double: the same bits for any thread count.
struct TapRange {
  int64_t lo, hi;  // the output columns whose input column is inside the image
};

TapRange columns(const Geometry &g, int64_t kx) {
  const auto ix = [&](int64_t ox) { return ox * g.sw + kx * g.dw - g.pl; };
  TapRange r{0, g.ow};
  while (r.lo < r.hi && ix(r.lo) < 0) r.lo++;
  while (r.hi > r.lo && ix(r.hi - 1) >= g.w) r.hi--;
  return r;
}

template <int OV>
void imageTapSums(const Geometry &g, const float *image, const float *d, float *part) {
  const int64_t o = OV * WIDTH;
  for (int64_t ky = 0; ky < g.kh; ky++) {
    for (int64_t kx = 0; kx < g.kw; kx++) {
      const TapRange r = columns(g, kx);
      Floats sums[OV];
      for (auto &v : sums) v = splat(0.f);
      for (int64_t oy = 0; oy < g.oh; oy++) {
        const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
        if (iy < 0 || iy >= g.h) continue;
        const float *row = image + iy * g.w + kx * g.dw - g.pl;
        for (int64_t ox = r.lo; ox < r.hi; ox++) {
          const Floats v = splat(row[ox * g.sw]);
          const float *dp = d + (oy * g.ow + ox) * o;
          for (int c = 0; c < OV; c++) sums[c] += v * loadu(dp + c * WIDTH);
        }
      }
      for (int c = 0; c < OV; c++) storeu(part + (ky * g.kw + kx) * o + c * WIDTH, sums[c]);
    }
  }
}

void imageTapSums(const Geometry &g, const float *image, const float *d, float *part) {
  const int64_t o = g.o;
  for (int64_t oy = 0; oy < g.oh; oy++) {
    for (int64_t ky = 0; ky < g.kh; ky++) {
      const int64_t iy = oy * g.sh + ky * g.dh - g.pt;
      if (iy < 0 || iy >= g.h) continue;
      for (int64_t kx = 0; kx < g.kw; kx++) {
        const TapRange r = columns(g, kx);
        const float *row = image + iy * g.w + kx * g.dw - g.pl;
        float *acc = part + (ky * g.kw + kx) * o;
        for (int64_t ox = r.lo; ox < r.hi; ox++) {
          const float v = row[ox * g.sw], *dp = d + (oy * g.ow + ox) * o;
#pragma omp simd
          for (int64_t c = 0; c < o; c++) acc[c] += v * dp[c];
        }
      }
    }
  }
}

void singleChannelFilterGradient(const Geometry &g, const float *x, const float *dy, float *dw, float *db) {
  const int64_t taps = g.kh * g.kw, o = g.o, width = (taps + 1) * o, pixels = g.oh * g.ow;
  std::vector<float> parts(static_cast<size_t>(g.n * width), 0.f);
#pragma omp parallel for schedule(static) if (g.n * pixels * o >= PARALLEL_MIN)
  for (int64_t b = 0; b < g.n; b++) {
    float *part = parts.data() + b * width, *bias = part + taps * o;
    const float *image = x + b * g.h * g.w, *d = dy + b * pixels * o;
    if (!withWholeVectors(o, [&](auto OV) { imageTapSums<decltype(OV)::value>(g, image, d, part); })) {
      imageTapSums(g, image, d, part);
    }
    for (int64_t p = 0; p < pixels; p++) {
#pragma omp simd
      for (int64_t c = 0; c < o; c++) bias[c] += d[p * o + c];
    }
  }
  for (int64_t j = 0; j < (db ? width : taps * o); j++) {
    double total = 0;
    for (int64_t b = 0; b < g.n; b++) total += parts[b * width + j];
    (j < taps * o ? dw[j] : db[j - taps * o]) = static_cast<float>(total);
  }
}

}  // namespace

// conv2d(heap, x, filter, bias | -1, y, geometry..., activation, alpha)
void conv2d(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  const bool withBias = a.i(3) >= 0;
  const int64_t act = a.i(22);
  const float alpha = static_cast<float>(a.f(23));
  if (g.ownWinograd() && (act == 0 || act == 1)) {
    return winogradConv(g.winogradShape(), a.floats(1, g.n * g.h * g.w * g.c), a.floats(2, g.kh * g.kw * g.c * g.o), false,
                        withBias ? a.floats(3, g.o) : nullptr, act == 1, a.floats(4, g.n * g.oh * g.ow * g.o));
  }
  auto &p = cached<Forward>(g.key("conv2d", withBias * 16 + act), [&] {
    const auto attr = userScratchpad(activationPostOps(act, alpha));
    const auto pd = choose(g.winograd(Geometry::kForward), [&](algorithm alg) { return g.forward(withBias, attr, alg); });
    return new Forward(pd, g.userWeights(), pd.weights_desc(), true, Activation(g.src(), pd.src_desc(), 0, true),
                       Activation(g.dst(), pd.dst_desc(), 1, false));
  });
  float *yData = a.floats(4, g.n * g.oh * g.ow * g.o);
  memory x = p.first.in(g.src(), a.floats(1, g.n * g.h * g.w * g.c));
  memory y = p.second.out(g.dst(), yData);
  memory w = weightsIn(p.weights, a.floats(2, g.kh * g.kw * g.c * g.o));
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}, {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}};
  if (withBias) args[DNNL_ARG_BIAS] = memory(g.bias(), engine(), a.floats(3, g.o));
  p.prim.execute(stream(), args);
  p.second.flush(y, g.dst(), yData);
  stream().wait();
}

// conv2dBackpropInput(heap, dy, filter, -1, dx, geometry...)
void conv2dBackpropInput(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  if (g.ownWinograd()) {
    return winogradConv(g.winogradDataShape(), a.floats(1, g.n * g.oh * g.ow * g.o), a.floats(2, g.kh * g.kw * g.c * g.o),
                        true, nullptr, false, a.floats(4, g.n * g.h * g.w * g.c));
  }
  auto &p = cached<BackwardData>(g.key("conv2d-bwd-data"), [&] {
    const auto pd = gradient<convolution_backward_data>(g, Geometry::kData);
    return new BackwardData(pd, g.userWeights(), pd.weights_desc(), true,
                            Activation(g.dst(), pd.diff_dst_desc(), 0, true), Activation(g.src(), pd.diff_src_desc(), 1, false));
  });
  float *dxData = a.floats(4, g.n * g.h * g.w * g.c);
  memory dy = p.first.in(g.dst(), a.floats(1, g.n * g.oh * g.ow * g.o));
  memory dx = p.second.out(g.src(), dxData);
  memory w = weightsIn(p.weights, a.floats(2, g.kh * g.kw * g.c * g.o));
  p.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, dy},
                            {DNNL_ARG_WEIGHTS, w},
                            {DNNL_ARG_DIFF_SRC, dx},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  p.second.flush(dx, g.src(), dxData);
  stream().wait();
}

// conv2dBackpropFilter(heap, x, dy, dBias | -1, dw, geometry...)
void conv2dBackpropFilter(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  const bool withBias = a.i(3) >= 0;
  if (g.c == 1) {
    return singleChannelFilterGradient(g, a.floats(1, g.n * g.h * g.w), a.floats(2, g.n * g.oh * g.ow * g.o),
                                       a.floats(4, g.kh * g.kw * g.o), withBias ? a.floats(3, g.o) : nullptr);
  }
  if (g.ownWinograd()) {
    return winogradFilterGradient(g.winogradShape(), a.floats(1, g.n * g.h * g.w * g.c), a.floats(2, g.n * g.oh * g.ow * g.o),
                                  a.floats(4, g.kh * g.kw * g.c * g.o), withBias ? a.floats(3, g.o) : nullptr);
  }
  auto &p = cached<BackwardWeights>(g.key("conv2d-bwd-weights", withBias), [&] {
    const auto pd = gradient<convolution_backward_weights>(g, Geometry::kWeights, withBias);
    return new BackwardWeights(pd, g.userWeights(), pd.diff_weights_desc(), false,
                               Activation(g.src(), pd.src_desc(), 0, true), Activation(g.dst(), pd.diff_dst_desc(), 1, true));
  });
  memory x = p.first.in(g.src(), a.floats(1, g.n * g.h * g.w * g.c));
  memory dy = p.second.in(g.dst(), a.floats(2, g.n * g.oh * g.ow * g.o));
  memory dw(p.weights.user, engine(), a.floats(4, g.kh * g.kw * g.c * g.o));
  memory out = p.weights.same() ? dw : p.weights.buffer;
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, out}, {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}};
  if (withBias) args[DNNL_ARG_DIFF_BIAS] = memory(g.bias(), engine(), a.floats(3, g.o));
  p.prim.execute(stream(), args);
  if (!p.weights.same()) p.weights.toUser.execute(stream(), p.weights.buffer, dw);
  stream().wait();
}

}  // namespace pw
