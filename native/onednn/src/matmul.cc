// Batched matrix products, with tfjs's transposes expressed as strides (no
// transposed copy is made) and with an optional bias and activation fused.
#include "kernels.h"

namespace pw {
namespace {

struct Product : Cached {
  dnnl::matmul prim;
  memory::desc src, weights, bias, dst, scratch;
};

// A [batch, rows, cols] operand stored row-major, or column-major when transposed.
memory::desc operand(int64_t batch, int64_t rows, int64_t cols, bool transposed) {
  const memory::dims strides = transposed ? memory::dims{rows * cols, 1, rows} : memory::dims{rows * cols, cols, 1};
  return {{batch, rows, cols}, dt::f32, strides};
}

}  // namespace

// batchMatMul(heap, a, b, bias | -1, out, batchA, batchB, M, K, N, transposeA, transposeB, activation, alpha)
void batchMatMul(const Args &a) {
  const int64_t batchA = a.i(5), batchB = a.i(6), m = a.i(7), k = a.i(8), n = a.i(9);
  const bool transA = a.i(10) != 0, transB = a.i(11) != 0, withBias = a.i(3) >= 0;
  const int64_t act = a.i(12);
  const float alpha = static_cast<float>(a.f(13));
  const int64_t batch = batchA > batchB ? batchA : batchB;
  if ((batchA != batch && batchA != 1) || (batchB != batch && batchB != 1)) unsupported("batch broadcast");
  auto &p = cached<Product>(key("matmul", {batchA, batchB, m, k, n, transA, transB, withBias, act}), [&] {
    auto *e = new Product;
    e->src = operand(batchA, m, k, transA);
    e->weights = operand(batchB, k, n, transB);
    e->bias = memory::desc({1, 1, n}, dt::f32, memory::dims{n, n, 1});
    e->dst = memory::desc({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
    const auto d = withBias ? dnnl::matmul::desc(e->src, e->weights, e->bias, e->dst)
                            : dnnl::matmul::desc(e->src, e->weights, e->dst);
    const dnnl::matmul::primitive_desc pd(d, userScratchpad(activationPostOps(act, alpha)), engine());
    e->prim = dnnl::matmul(pd);
    e->scratch = pd.scratchpad_desc();
    return e;
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, memory(p.src, engine(), a.floats(1, batchA * m * k))},
      {DNNL_ARG_WEIGHTS, memory(p.weights, engine(), a.floats(2, batchB * k * n))},
      {DNNL_ARG_DST, memory(p.dst, engine(), a.floats(4, batch * m * n))},
      {DNNL_ARG_SCRATCHPAD, scratchpad(p.scratch)}};
  if (withBias) args[DNNL_ARG_BIAS] = memory(p.bias, engine(), a.floats(3, n));
  p.prim.execute(stream(), args);
  stream().wait();
}

}  // namespace pw
