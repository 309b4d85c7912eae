// Multi-head self-attention, softmax(q·kᵀ·scale)·v per image and head, in one
// kernel forward and one backward. tfjs composes it from a head split
// (transpose, split), two batched products, a softmax and a transpose back,
// and backward from twice as many: the [batch, heads, tokens, tokens] scores
// travel to memory and back at every step, and at the ViTs' sizes (about fifty
// tokens, sixteen values a head) oneDNN's batched products are bound by
// writing them, far from the machine's arithmetic peak. Here one head of one
// image (its queries, keys, values and a row of scores) stays in the L1 cache
// from the qkv projection's output to the heads' concatenated result, and the
// scores never reach memory. Backward recomputes a row's probabilities from
// q, k and the row's log-sum-exp (saved forward: one float a row) instead of
// keeping the probabilities, which would cost as much memory traffic as the
// composed kernels.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "vector.h"

// Dot products are multiply-adds: fused here (the build keeps them apart
// elsewhere, so the elementwise kernels round as tfjs's do).
#pragma GCC optimize("fp-contract=fast")

namespace pw {
namespace {

// qkv is [batch, tokens, 3 · dim], the queries, keys and values side by side,
// each dim = heads · headDim wide with head h at columns h · headDim; the
// output is [batch, tokens, dim], the heads side by side again.
struct Geometry {
  int64_t batch, tokens, heads, headDim;
  int64_t dim() const { return heads * headDim; }
  // Tokens rounded up to whole vectors: a row of scores is `blocks` vectors.
  int64_t blocks() const { return (tokens + WIDTH - 1) / WIDTH; }
  // Where head h of image b starts in qkv (its queries; keys dim, values 2 · dim further on).
  int64_t headOffset(int64_t b, int64_t h) const { return b * tokens * 3 * dim() + h * headDim; }
};

Geometry geometry(const Args &a, size_t k) {
  const Geometry g{a.i(k), a.i(k + 1), a.i(k + 2), a.i(k + 3)};
  if (g.batch <= 0 || g.tokens <= 0 || g.heads <= 0 || g.headDim <= 0) throw Failure{"attention: empty shape", false};
  return g;
}

// One head of one image: k (and for the gradient v) transposed, [headDim]
// [blocks] with zeros past the last token, so that a row of scores (q_i · k_j
// over j) or of dy_i · v_j is a sum of whole vectors. The rows of q, k and v
// are read in place. The padding is zeroed once, and each column written in
// order (the reads gather, which costs less than scattered writes).
struct Head {
  std::vector<Floats> kt, vt;
  explicit Head(const Geometry &g, bool withV) : kt(g.headDim * g.blocks(), splat(0.f)), vt(withV ? kt.size() : 0, splat(0.f)) {}

  // head: the head's queries in qkv (Geometry::headOffset).
  void load(const float *head, const Geometry &g) {
    const int64_t T = g.tokens, Dh = g.headDim, D = g.dim(), stride = g.blocks() * WIDTH;
    transpose(head + D, T, Dh, 3 * D, reinterpret_cast<float *>(kt.data()), stride);
    if (!vt.empty()) transpose(head + 2 * D, T, Dh, 3 * D, reinterpret_cast<float *>(vt.data()), stride);
  }

  static void transpose(const float *rows, int64_t T, int64_t Dh, int64_t rowStride, float *out, int64_t stride) {
    for (int64_t d = 0; d < Dh; d++)
      for (int64_t t = 0; t < T; t++) out[d * stride + t] = rows[t * rowStride + d];
  }
};

// s = a · bᵀ for one row a [headDim] against the transposed rows bt, NB
// vectors of tokens, the sums in registers. Where the registers hold twice NB
// accumulators, two sets (even and odd d) halve the chains of multiply-adds;
// otherwise the second set would spill to the stack at every step.
template <int NB>
void productsOf(const float *a, const Floats *bt, int64_t Dh, Floats *s) {
  constexpr int SETS = 2 * NB + 3 <= REGISTERS ? 2 : 1;
  Floats acc[SETS][NB];
  for (auto &set : acc)
    for (auto &v : set) v = splat(0.f);
  int64_t d = 0;
  for (; d + SETS <= Dh; d += SETS)
    for (int u = 0; u < SETS; u++) {
      const Floats ad = splat(a[d + u]);
      for (int j = 0; j < NB; j++) acc[u][j] += ad * bt[(d + u) * NB + j];
    }
  for (; d < Dh; d++) {
    const Floats ad = splat(a[d]);
    for (int j = 0; j < NB; j++) acc[0][j] += ad * bt[d * NB + j];
  }
  for (int j = 0; j < NB; j++) {
    if constexpr (SETS == 2) {
      s[j] = acc[0][j] + acc[1][j];
    } else {
      s[j] = acc[0][j];
    }
  }
}

void products(const float *a, const std::vector<Floats> &bt, int64_t Dh, int64_t nb, Floats *s) {
  if (withConstant<8>(nb, [&](auto NB) { productsOf<decltype(NB)::value>(a, bt.data(), Dh, s); })) return;
  for (int64_t j = 0; j < nb; j++) s[j] = splat(0.f);
  for (int64_t d = 0; d < Dh; d++) {
    const Floats ad = splat(a[d]);
    for (int64_t j = 0; j < nb; j++) s[j] += ad * bt[d * nb + j];
  }
}

// Row i's scaled scores, -Infinity past the last token so that they exponentiate to 0.
void scores(const float *q, const Head &w, const Geometry &g, float scale, Floats *s) {
  products(q, w.kt, g.headDim, g.blocks(), s);
  for (int64_t j = 0; j < g.blocks(); j++) s[j] *= scale;
  float *row = reinterpret_cast<float *>(s);
  std::fill(row + g.tokens, row + g.blocks() * WIDTH, -INFINITY);
}

// out[0:Dh] = sum over j < tokens of p[j] · rows[j · stride : + Dh]. For a
// headDim of DV whole vectors, out is DV · 4 accumulators in registers (rows
// j mod 4 apart); otherwise a plain loop.
template <int DV>
void mixOf(const float *p, const float *rows, int64_t stride, int64_t tokens, float *out) {
  Floats acc[4][DV];
  for (auto &a : acc)
    for (auto &v : a) v = splat(0.f);
  int64_t j = 0;
  for (; j + 4 <= tokens; j += 4)
    for (int u = 0; u < 4; u++) {
      const Floats pj = splat(p[j + u]);
      for (int c = 0; c < DV; c++) acc[u][c] += pj * loadu(rows + (j + u) * stride + c * WIDTH);
    }
  for (; j < tokens; j++)
    for (int c = 0; c < DV; c++) acc[0][c] += splat(p[j]) * loadu(rows + j * stride + c * WIDTH);
  for (int c = 0; c < DV; c++) {
    storeu(out + c * WIDTH, (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c]));
  }
}

void mix(const float *p, const float *rows, int64_t stride, int64_t tokens, int64_t Dh, float *out) {
  if (withWholeVectors(Dh, [&](auto DV) { mixOf<decltype(DV)::value>(p, rows, stride, tokens, out); })) return;
  std::fill(out, out + Dh, 0.f);
  for (int64_t j = 0; j < tokens; j++) {
    const float pj = p[j];
    const float *r = rows + j * stride;
#pragma omp simd
    for (int64_t d = 0; d < Dh; d++) out[d] += pj * r[d];
  }
}

// out[j] = sum over i < tokens of m[i][j] · rows[i] for every token j: the
// transposed product mᵀ · rows, m [tokens][mStride], rows and out [tokens]
// [headDim] with strides rowStride and outStride. Four columns of m at a time
// share each row's load; for DV whole vectors the sums stay in registers.
template <int DV>
void transposedMixOf(const float *m, int64_t mStride, const float *rows, int64_t rowStride, int64_t tokens, float *out, int64_t outStride) {
  for (int64_t j = 0; j < tokens; j += 4) {
    Floats acc[4][DV];
    for (auto &u : acc)
      for (auto &v : u) v = splat(0.f);
    for (int64_t i = 0; i < tokens; i++) {
      Floats r[DV];
      for (int c = 0; c < DV; c++) r[c] = loadu(rows + i * rowStride + c * WIDTH);
      // Columns past the last token are padding (zeros), inside the row.
      for (int u = 0; u < 4; u++) {
        const Floats mij = splat(m[i * mStride + j + u]);
        for (int c = 0; c < DV; c++) acc[u][c] += mij * r[c];
      }
    }
    for (int u = 0; u < 4 && j + u < tokens; u++)
      for (int c = 0; c < DV; c++) storeu(out + (j + u) * outStride + c * WIDTH, acc[u][c]);
  }
}

void transposedMix(const float *m, int64_t mStride, const float *rows, int64_t rowStride, int64_t tokens, int64_t Dh, float *out, int64_t outStride) {
  if (withWholeVectors(Dh, [&](auto DV) { transposedMixOf<decltype(DV)::value>(m, mStride, rows, rowStride, tokens, out, outStride); })) return;
  for (int64_t j = 0; j < tokens; j++) {
    float *o = out + j * outStride;
    std::fill(o, o + Dh, 0.f);
    for (int64_t i = 0; i < tokens; i++) {
      const float mij = m[i * mStride + j];
      const float *r = rows + i * rowStride;
#pragma omp simd
      for (int64_t d = 0; d < Dh; d++) o[d] += mij * r[d];
    }
  }
}

}  // namespace

// attention(heap, qkv, y, logSumExp, batch, tokens, heads, headDim, scale):
// y [batch, tokens, heads · headDim] and logSumExp [batch, heads, tokens], the
// log of each softmax row's normaliser, exp(s - max) summed, plus its max.
void attention(const Args &a) {
  const Geometry g = geometry(a, 4);
  const float scale = static_cast<float>(a.f(8));
  const int64_t T = g.tokens, Dh = g.headDim, D = g.dim(), nb = g.blocks();
  const float *qkv = a.floats(1, g.batch * T * 3 * D);
  float *y = a.floats(2, g.batch * T * D), *lse = a.floats(3, g.batch * g.heads * T);
#pragma omp parallel
  {
    Head w(g, false);
    std::vector<Floats> s(nb);
    float *p = reinterpret_cast<float *>(s.data());
#pragma omp for schedule(static)
    for (int64_t item = 0; item < g.batch * g.heads; item++) {
      const int64_t b = item / g.heads, h = item % g.heads;
      const float *head = qkv + g.headOffset(b, h);
      w.load(head, g);
      for (int64_t i = 0; i < T; i++) {
        scores(head + i * 3 * D, w, g, scale, s.data());
        Floats top = s[0];
        for (int64_t j = 1; j < nb; j++) top = vmax(top, s[j]);
        const float max = hmax(top);
        Floats sum = splat(0.f);
        for (int64_t j = 0; j < nb; j++) sum += s[j] = vexp(s[j] - max);
        const float total = hsum(sum), inv = 1.f / total;
        for (int64_t j = 0; j < nb; j++) s[j] *= inv;
        lse[item * T + i] = max + std::log(total);
        mix(p, head + 2 * D, 3 * D, T, Dh, y + (b * T + i) * D + h * Dh);
      }
    }
  }
}

// attentionGrad(heap, dy, dLogSumExp, qkv, logSumExp, dqkv, batch, tokens,
// heads, headDim, scale): the gradient for qkv, laid out as qkv. Row i of a
// head, with p its probabilities and o = p · v its output:
//   dp = dy_i · vᵀ, ds = p ∘ (dp - dy_i · o + dLogSumExp_i), dq_i = scale · ds · k,
// where dy_i · o = p · dp (no need for o); the rows' p and ds are kept (in
// L1/L2) for dk = scale · dsᵀ · q and dv = pᵀ · dy, two products at the end
// instead of adding into every row of dk and dv for every row i.
void attentionGrad(const Args &a) {
  const Geometry g = geometry(a, 6);
  const float scale = static_cast<float>(a.f(10));
  const int64_t T = g.tokens, Dh = g.headDim, D = g.dim(), nb = g.blocks();
  const float *dy = a.floats(1, g.batch * T * D);
  const float *dLse = a.floats(2, g.batch * g.heads * T);
  const float *qkv = a.floats(3, g.batch * T * 3 * D), *lse = a.floats(4, g.batch * g.heads * T);
  float *dqkv = a.floats(5, g.batch * T * 3 * D);
#pragma omp parallel
  {
    Head w(g, true);
    std::vector<Floats> probabilities(T * nb), dScores(T * nb);
    const int64_t stride = nb * WIDTH;
#pragma omp for schedule(static)
    for (int64_t item = 0; item < g.batch * g.heads; item++) {
      const int64_t b = item / g.heads, h = item % g.heads;
      const float *head = qkv + g.headOffset(b, h), *dyHead = dy + b * T * D + h * Dh;
      float *dHead = dqkv + g.headOffset(b, h);
      w.load(head, g);
      for (int64_t i = 0; i < T; i++) {
        Floats *p = probabilities.data() + i * nb, *ds = dScores.data() + i * nb;
        scores(head + i * 3 * D, w, g, scale, p);
        const float rowLse = lse[item * T + i];
        for (int64_t j = 0; j < nb; j++) p[j] = vexp(p[j] - rowLse);
        products(dyHead + i * D, w.vt, Dh, nb, ds);
        Floats dot = splat(0.f);
        for (int64_t j = 0; j < nb; j++) dot += p[j] * ds[j];
        const float shift = dLse[item * T + i] - hsum(dot);
        for (int64_t j = 0; j < nb; j++) ds[j] = p[j] * (ds[j] + shift) * scale;
        mix(reinterpret_cast<float *>(ds), head + D, 3 * D, T, Dh, dHead + i * 3 * D);
      }
      transposedMix(reinterpret_cast<float *>(dScores.data()), stride, head, 3 * D, T, Dh, dHead + D, 3 * D);
      transposedMix(reinterpret_cast<float *>(probabilities.data()), stride, dyHead, D, T, Dh, dHead + 2 * D, 3 * D);
    }
  }
}

}  // namespace pw
