// 2-D convolution, forward and both gradients, on NHWC tensors.
//
// Activations stay NHWC as tfjs holds them: oneDNN's direct NHWC kernels are
// fast, and reordering every activation into a blocked layout and back costs
// more than the blocked kernels gain for these small images. Weights are the
// exception: the primitive chooses their layout (format `any`) and the HWIO
// weights of tfjs are reordered into it on every call, because a primitive
// forced onto plain HWIO weights falls back to oneDNN's reference code,
// orders of magnitude slower.
#include "kernels.h"

namespace pw {
namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;
using dnnl::reorder;

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
  memory::dims strides() const { return {sh, sw}; }
  // oneDNN counts dilation from 0 (no dilation), tfjs from 1.
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }

  convolution_forward::primitive_desc forward(bool withBias, const dnnl::primitive_attr &attr) const {
    const auto d = withBias
        ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src(),
                                    anyWeights(), bias(), dst(), strides(), dilates(), padL(), padR())
        : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src(),
                                    anyWeights(), dst(), strides(), dilates(), padL(), padR());
    return {d, attr, engine()};
  }
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
template <typename Primitive>
struct Conv : Cached {
  Primitive prim;
  memory::desc scratch;
  PrimitiveWeights weights;
  template <typename PrimitiveDesc>
  Conv(const PrimitiveDesc &pd, const memory::desc &user, const memory::desc &chosen, bool fromUser)
      : prim(pd), scratch(pd.scratchpad_desc()), weights(user, chosen, fromUser) {}
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

}  // namespace

// conv2d(heap, x, filter, bias | -1, y, geometry..., activation, alpha)
void conv2d(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  const bool withBias = a.i(3) >= 0;
  const int64_t act = a.i(22);
  const float alpha = static_cast<float>(a.f(23));
  auto &p = cached<Forward>(g.key("conv2d", withBias * 16 + act), [&] {
    const auto pd = g.forward(withBias, userScratchpad(activationPostOps(act, alpha)));
    return new Forward(pd, g.userWeights(), pd.weights_desc(), true);
  });
  memory x(g.src(), engine(), a.floats(1, g.n * g.h * g.w * g.c));
  memory y(g.dst(), engine(), a.floats(4, g.n * g.oh * g.ow * g.o));
  memory w = weightsIn(p.weights, a.floats(2, g.kh * g.kw * g.c * g.o));
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}, {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}};
  if (withBias) args[DNNL_ARG_BIAS] = memory(g.bias(), engine(), a.floats(3, g.o));
  p.prim.execute(stream(), args);
  stream().wait();
}

// conv2dBackpropInput(heap, dy, filter, -1, dx, geometry...)
void conv2dBackpropInput(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  auto &p = cached<BackwardData>(g.key("conv2d-bwd-data"), [&] {
    const auto hint = g.forward(false, userScratchpad());
    const convolution_backward_data::desc d(algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(),
                                            g.strides(), g.dilates(), g.padL(), g.padR());
    const auto pd = convolution_backward_data::primitive_desc(d, userScratchpad(), engine(), hint);
    return new BackwardData(pd, g.userWeights(), pd.weights_desc(), true);
  });
  memory dy(g.dst(), engine(), a.floats(1, g.n * g.oh * g.ow * g.o));
  memory dx(g.src(), engine(), a.floats(4, g.n * g.h * g.w * g.c));
  memory w = weightsIn(p.weights, a.floats(2, g.kh * g.kw * g.c * g.o));
  p.prim.execute(stream(), {{DNNL_ARG_DIFF_DST, dy},
                            {DNNL_ARG_WEIGHTS, w},
                            {DNNL_ARG_DIFF_SRC, dx},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  stream().wait();
}

// conv2dBackpropFilter(heap, x, dy, -1, dw, geometry...)
void conv2dBackpropFilter(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  auto &p = cached<BackwardWeights>(g.key("conv2d-bwd-weights"), [&] {
    const auto hint = g.forward(false, userScratchpad());
    const convolution_backward_weights::desc d(algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(),
                                               g.strides(), g.dilates(), g.padL(), g.padR());
    const auto pd = convolution_backward_weights::primitive_desc(d, userScratchpad(), engine(), hint);
    return new BackwardWeights(pd, g.userWeights(), pd.diff_weights_desc(), false);
  });
  memory x(g.src(), engine(), a.floats(1, g.n * g.h * g.w * g.c));
  memory dy(g.dst(), engine(), a.floats(2, g.n * g.oh * g.ow * g.o));
  memory dw(p.weights.user, engine(), a.floats(4, g.kh * g.kw * g.c * g.o));
  memory out = p.weights.same() ? dw : p.weights.buffer;
  p.prim.execute(stream(), {{DNNL_ARG_SRC, x},
                            {DNNL_ARG_DIFF_DST, dy},
                            {DNNL_ARG_DIFF_WEIGHTS, out},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  if (!p.weights.same()) p.weights.toUser.execute(stream(), p.weights.buffer, dw);
  stream().wait();
}

}  // namespace pw
