// Multi-head self-attention, softmax(q·kᵀ·scale)·v per image and head, in one
// kernel forward and one backward. tfjs composes it from a head split
// (transpose, split), two batched products, a softmax and a transpose back,
// and backward from twice as many: the [batch, heads, tokens, tokens] scores
// travel to memory and back at every step, and at the ViTs' sizes (about fifty
// tokens, sixteen values a head) oneDNN's batched products are bound by
// writing them, far from the machine's arithmetic peak. Here one head of one
// image (its queries, keys, values and its tokens × tokens scores) stays in
// the L1 cache from the qkv projection's output to the heads' concatenated
// result, and the scores never reach memory. Each of its products runs as a
// block of rows against a block of vectors in registers, as a matrix product
// would. Backward recomputes a row's probabilities from
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
  // Where it starts in a tensor of the output's shape (y, dy).
  int64_t outputOffset(int64_t b, int64_t h) const { return b * tokens * dim() + h * headDim; }
};

// Asks for the cache lines of head `item`'s rows in `t`, a qkv-shaped tensor
// (PARTS 3: its queries, keys and values) or one of the output's shape (PARTS
// 1); WRITE for lines about to be written. A head's rows are a cache line
// each, spread over tensors of megabytes fresh from the products before, so
// they come from L3 or memory, and the work on a row is too long for the core
// to reach the next row's loads by itself: the misses came one after another.
// Asked one head ahead, they overlap with the current head's arithmetic.
template <int PARTS, int WRITE>
void prefetchHead(const float *t, const Geometry &g, int64_t item) {
  if (item >= g.batch * g.heads) return;
  constexpr int64_t LINE = 64 / sizeof(float);
  const int64_t b = item / g.heads, h = item % g.heads, D = g.dim(), stride = PARTS * D;
  const float *head = t + (PARTS == 3 ? g.headOffset(b, h) : g.outputOffset(b, h));
  for (int part = 0; part < PARTS; part++)
    for (int64_t i = 0; i < g.tokens; i++)
      for (int64_t c = 0; c < g.headDim; c += LINE) __builtin_prefetch(head + part * D + i * stride + c, WRITE, 3);
}

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

// s[r] = a_r · bᵀ for RT rows a_r [headDim], aStride apart, against the
// transposed rows bt, NB vectors of tokens: an RT × NB block of sums in
// registers, each bt vector loaded once for the RT rows. One row at a time,
// the block was too small to hide the multiply-adds' latency and every row
// paid a function's return through memory.
template <int RT, int NB>
void productTile(const float *a, int64_t aStride, const Floats *bt, int64_t Dh, Floats *s) {
  Floats acc[RT][NB];
  for (auto &row : acc)
    for (auto &v : row) v = splat(0.f);
  for (int64_t d = 0; d < Dh; d++)
    for (int r = 0; r < RT; r++) {
      const Floats ad = splat(a[r * aStride + d]);
      for (int j = 0; j < NB; j++) acc[r][j] += ad * bt[d * NB + j];
    }
  for (int r = 0; r < RT; r++)
    for (int j = 0; j < NB; j++) s[r * NB + j] = acc[r][j];
}

// The rows' tiles: as many rows as leave the block and a broadcast in registers.
template <int NB>
void productRows(const float *a, int64_t aStride, const Floats *bt, int64_t Dh, int64_t rows, Floats *s) {
  constexpr int RT = std::max<int>(1, std::min<int>(4, (REGISTERS - 2) / NB));
  int64_t i = 0;
  for (; i + RT <= rows; i += RT) productTile<RT, NB>(a + i * aStride, aStride, bt, Dh, s + i * NB);
  withConstant<RT - 1>(rows - i, [&](auto n) { productTile<decltype(n)::value, NB>(a + i * aStride, aStride, bt, Dh, s + i * NB); });
}

// s rows [rows][nb] = a · bᵀ, a's rows aStride apart.
void products(const float *a, int64_t aStride, const std::vector<Floats> &bt, int64_t Dh, int64_t nb, int64_t rows, Floats *s) {
  if (withConstant<8>(nb, [&](auto NB) { productRows<decltype(NB)::value>(a, aStride, bt.data(), Dh, rows, s); })) return;
  for (int64_t i = 0; i < rows; i++) {
    Floats *si = s + i * nb;
    for (int64_t j = 0; j < nb; j++) si[j] = splat(0.f);
    for (int64_t d = 0; d < Dh; d++) {
      const Floats ad = splat(a[i * aStride + d]);
      for (int64_t j = 0; j < nb; j++) si[j] += ad * bt[d * nb + j];
    }
  }
}

// Every row's scaled scores, -Infinity past the last token so that they exponentiate to 0.
void scores(const float *q, const Head &w, const Geometry &g, float scale, Floats *s) {
  const int64_t nb = g.blocks();
  products(q, 3 * g.dim(), w.kt, g.headDim, nb, g.tokens, s);
  for (int64_t i = 0; i < g.tokens; i++) {
    Floats *si = s + i * nb;
    for (int64_t j = 0; j < nb; j++) si[j] *= scale;
    float *row = reinterpret_cast<float *>(si);
    std::fill(row + g.tokens, row + nb * WIDTH, -INFINITY);
  }
}

// The coefficient of row k in output r: m[r][k], or m[k][r] transposed.
template <bool TRANSPOSED>
float coefficient(const float *m, int64_t mStride, int64_t r, int64_t k) {
  return TRANSPOSED ? m[k * mStride + r] : m[r * mStride + k];
}

// out[r] = sum over k < tokens of m(r, k) · rows[k] for RT outputs of DV
// whole vectors: RT · DV sums in registers, each row's vectors loaded once for
// the RT outputs.
template <bool TRANSPOSED, int RT, int DV>
void mixTile(const float *m, int64_t mStride, const float *rows, int64_t rowStride, int64_t tokens, float *out, int64_t outStride) {
  Floats acc[RT][DV];
  for (auto &row : acc)
    for (auto &v : row) v = splat(0.f);
  for (int64_t k = 0; k < tokens; k++) {
    Floats x[DV];
    for (int c = 0; c < DV; c++) x[c] = loadu(rows + k * rowStride + c * WIDTH);
    for (int r = 0; r < RT; r++) {
      const Floats mk = splat(coefficient<TRANSPOSED>(m, mStride, r, k));
      for (int c = 0; c < DV; c++) acc[r][c] += mk * x[c];
    }
  }
  for (int r = 0; r < RT; r++)
    for (int c = 0; c < DV; c++) storeu(out + r * outStride + c * WIDTH, acc[r][c]);
}

template <bool TRANSPOSED, int DV>
void mixRows(const float *m, int64_t mStride, const float *rows, int64_t rowStride, int64_t tokens, float *out, int64_t outStride) {
  constexpr int RT = std::max<int>(1, std::min<int>(8, (REGISTERS - DV - 1) / DV));
  // The first output of a tile: its row of m, or its column.
  const auto at = [&](int64_t r) { return TRANSPOSED ? m + r : m + r * mStride; };
  int64_t r = 0;
  for (; r + RT <= tokens; r += RT) mixTile<TRANSPOSED, RT, DV>(at(r), mStride, rows, rowStride, tokens, out + r * outStride, outStride);
  withConstant<RT - 1>(tokens - r, [&](auto n) { mixTile<TRANSPOSED, decltype(n)::value, DV>(at(r), mStride, rows, rowStride, tokens, out + r * outStride, outStride); });
}

// out [tokens][headDim] = m · rows (m [tokens][mStride]), or mᵀ · rows
// transposed; rows and out [tokens][headDim] with strides rowStride and
// outStride. A plain loop where headDim is not one to four whole vectors.
template <bool TRANSPOSED>
void mix(const float *m, int64_t mStride, const float *rows, int64_t rowStride, int64_t tokens, int64_t Dh, float *out, int64_t outStride) {
  if (withWholeVectors(Dh, [&](auto DV) { mixRows<TRANSPOSED, decltype(DV)::value>(m, mStride, rows, rowStride, tokens, out, outStride); })) return;
  for (int64_t r = 0; r < tokens; r++) {
    float *o = out + r * outStride;
    std::fill(o, o + Dh, 0.f);
    for (int64_t k = 0; k < tokens; k++) {
      const float mk = coefficient<TRANSPOSED>(m, mStride, r, k);
      const float *x = rows + k * rowStride;
#pragma omp simd
      for (int64_t d = 0; d < Dh; d++) o[d] += mk * x[d];
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
    std::vector<Floats> s(T * nb);
    const int64_t stride = nb * WIDTH;
#pragma omp for schedule(static)
    for (int64_t item = 0; item < g.batch * g.heads; item++) {
      const int64_t b = item / g.heads, h = item % g.heads;
      const float *head = qkv + g.headOffset(b, h);
      prefetchHead<3, 0>(qkv, g, item + 1);
      prefetchHead<1, 1>(y, g, item + 1);
      w.load(head, g);
      scores(head, w, g, scale, s.data());
      for (int64_t i = 0; i < T; i++) {
        Floats *si = s.data() + i * nb;
        Floats top = si[0];
        for (int64_t j = 1; j < nb; j++) top = vmax(top, si[j]);
        const float max = hmax(top);
        Floats sum = splat(0.f);
        for (int64_t j = 0; j < nb; j++) sum += si[j] = vexp(si[j] - max);
        const float total = hsum(sum), inv = 1.f / total;
        for (int64_t j = 0; j < nb; j++) si[j] *= inv;
        lse[item * T + i] = max + std::log(total);
      }
      mix<false>(reinterpret_cast<float *>(s.data()), stride, head + 2 * D, 3 * D, T, Dh, y + g.outputOffset(b, h), D);
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
      const float *head = qkv + g.headOffset(b, h), *dyHead = dy + g.outputOffset(b, h);
      float *dHead = dqkv + g.headOffset(b, h);
      prefetchHead<3, 0>(qkv, g, item + 1);
      prefetchHead<3, 1>(dqkv, g, item + 1);
      prefetchHead<1, 0>(dy, g, item + 1);
      w.load(head, g);
      scores(head, w, g, scale, probabilities.data());
      products(dyHead, D, w.vt, Dh, nb, T, dScores.data());
      for (int64_t i = 0; i < T; i++) {
        Floats *p = probabilities.data() + i * nb, *ds = dScores.data() + i * nb;
        const float rowLse = lse[item * T + i];
        for (int64_t j = 0; j < nb; j++) p[j] = vexp(p[j] - rowLse);
        Floats dot = splat(0.f);
        for (int64_t j = 0; j < nb; j++) dot += p[j] * ds[j];
        const float shift = dLse[item * T + i] - hsum(dot);
        for (int64_t j = 0; j < nb; j++) ds[j] = p[j] * (ds[j] + shift) * scale;
      }
      const float *dS = reinterpret_cast<float *>(dScores.data()), *P = reinterpret_cast<float *>(probabilities.data());
      mix<false>(dS, stride, head + D, 3 * D, T, Dh, dHead, 3 * D);
      mix<true>(dS, stride, head, 3 * D, T, Dh, dHead + D, 3 * D);
      mix<true>(P, stride, dyHead, D, T, Dh, dHead + 2 * D, 3 * D);
    }
  }
}

}  // namespace pw
