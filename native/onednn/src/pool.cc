// Max and average pooling on NHWC tensors, forward and backward.
//
// tfjs's MaxPoolGrad receives the forward input and output but oneDNN's max
// pooling backward wants the forward pass's workspace (where each maximum
// was): the forward pass is run again, for training, to produce it. It costs a
// fraction of the backward pass and keeps the workspace out of tfjs.
// Average pooling excludes the padding from each window's count, as tfjs's
// AvgPool does; its gradient, as tfjs's AvgPoolGrad does, divides by the full
// window instead (the two disagree at the border: the reference is matched).
#include "kernels.h"

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
  pooling_forward forward;
  pooling_backward prim;
  memory::desc forwardScratch, scratch;
  memory workspace, output;
};

}  // namespace

// pool(heap, x, -1, -1, y, geometry..., max)
void pool(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  auto &p = cached<Forward>(g.key("pool"), [&] { return new Forward(g.forward(prop_kind::forward_inference)); });
  p.prim.execute(stream(), {{DNNL_ARG_SRC, memory(g.src(), engine(), a.floats(1, g.n * g.h * g.w * g.c))},
                            {DNNL_ARG_DST, memory(g.dst(), engine(), a.floats(4, g.n * g.oh * g.ow * g.c))},
                            {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}});
  stream().wait();
}

// poolGrad(heap, dy, x, -1, dx, geometry..., max)
void poolGrad(const Args &a) {
  const Geometry g = Geometry::read(a, 5);
  auto &p = cached<Backward>(g.key("pool-bwd"), [&] {
    auto *e = new Backward;
    const auto fwd = g.forward(prop_kind::forward_training, true);
    const pooling_backward::desc d(g.kind(true), g.src(), g.dst(), {g.sh, g.sw}, {g.kh, g.kw}, {g.pt, g.pl}, {g.pb, g.pr});
    const pooling_backward::primitive_desc pd(d, userScratchpad(), engine(), fwd);
    e->prim = pooling_backward(pd);
    e->scratch = pd.scratchpad_desc();
    if (g.max) {
      e->forward = pooling_forward(fwd);
      e->forwardScratch = fwd.scratchpad_desc();
      e->workspace = memory(fwd.workspace_desc(), engine());
      e->output = memory(g.dst(), engine());
    }
    return e;
  });
  memory dy(g.dst(), engine(), a.floats(1, g.n * g.oh * g.ow * g.c));
  memory dx(g.src(), engine(), a.floats(4, g.n * g.h * g.w * g.c));
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}};
  if (g.max) {
    memory x(g.src(), engine(), a.floats(2, g.n * g.h * g.w * g.c));
    p.forward.execute(stream(), {{DNNL_ARG_SRC, x},
                                 {DNNL_ARG_DST, p.output},
                                 {DNNL_ARG_WORKSPACE, p.workspace},
                                 {DNNL_ARG_SCRATCHPAD, scratchpad(p.forwardScratch)}});
    args[DNNL_ARG_WORKSPACE] = p.workspace;
  }
  args[DNNL_ARG_SCRATCHPAD] = scratchpad(p.scratch);
  p.prim.execute(stream(), args);
  stream().wait();
}

}  // namespace pw
