// Winograd's F(4x4, 3x3) (Lavin and Gray 2016): a 4x4 tile of a 3x3
// convolution's output from a 6x6 tile of its input with 36 products per
// channel pair instead of 144. Each tile's input is transformed (V = Bᵀ d B),
// each filter (U = G g Gᵀ), and the 36 products of a tile are, over the
// channels, 36 matrix products: M[p] = V[p] · U[p], tiles by input channels
// times input by output channels. The output is Aᵀ M A, clipped at the edges.
//
// The input gradient is the same convolution of dy with the filter rotated
// by 180 degrees and its channels swapped, padded by 2 - the forward's
// padding. The filter gradient follows from the forward by the chain rule:
// with Y = Aᵀ (U ⊙ V) A, dU = the sum over tiles of V ⊙ (A dY Aᵀ), and
// dw = Gᵀ dU G.
//
// Tiles are taken in blocks sized to stay in the L2 cache with their
// transforms; each block's products run over whole rows of the transformed
// filters. The filter gradient sums over fixed slices of the tiles, whatever
// the thread count, each slice's sum its own, the slices added in order in
// double: the same bits on one thread and two.
#include "winograd.h"

#include <algorithm>
#include <vector>

#include "common.h"
#include "vector.h"

// Products and transforms are sums of products: fused multiply-adds, as
// oneDNN's own convolution kernels use.
#pragma GCC optimize("fp-contract=fast")

namespace pw {
namespace {

constexpr int64_t TILE = 4, SIDE = TILE + 2, POINTS = SIDE * SIDE;

// The register tile of the products: R rows by OV vectors, COLUMNS floats; R as many rows as the vector
// registers hold beside one row of b and a broadcast.
constexpr int64_t OV = WIDTH >= 16 ? 1 : 16 / WIDTH, COLUMNS = OV * WIDTH;
static_assert(COLUMNS == 16, "winogradChannels promises multiples of 16");
constexpr int R = static_cast<int>(std::min<int64_t>(8, (REGISTERS - OV - 1) / OV));

// Slices of the filter gradient's tiles (see the top of the file).
constexpr int64_t SLICES = 8;

// The transforms are inlined into the loops over tiles, where their temporaries become registers: called
// (GCC's own choice for the 6-point ones), each copied its 36 vectors through the stack.
#define INLINE inline __attribute__((always_inline))

// The 1-D transforms, on vectors of channels or on scalars.
// Bᵀ, 6 -> 6, on an input tile's row or column.
template <typename T>
INLINE void inputTransform(const T d[SIDE], T r[SIDE]) {
  r[0] = 4 * d[0] - 5 * d[2] + d[4];
  r[1] = -4 * d[1] - 4 * d[2] + d[3] + d[4];
  r[2] = 4 * d[1] - 4 * d[2] - d[3] + d[4];
  r[3] = -2 * d[1] - d[2] + 2 * d[3] + d[4];
  r[4] = 2 * d[1] - d[2] - 2 * d[3] + d[4];
  r[5] = 4 * d[1] - 5 * d[3] + d[5];
}

// Aᵀ, 6 -> 4, products to output.
template <typename T>
INLINE void outputTransform(const T m[SIDE], T y[TILE]) {
  const T a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  y[0] = m[0] + a + c;
  y[1] = b + 2 * d;
  y[2] = a + 4 * c;
  y[3] = b + 8 * d + m[5];
}

// G, 3 -> 6, on a filter's row or column.
template <typename T>
INLINE void filterTransform(const T g[3], T u[SIDE]) {
  const T even = g[0] + g[2];
  u[0] = g[0] / 4;
  u[1] = -(even + g[1]) / 6;
  u[2] = -(even - g[1]) / 6;
  u[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
  u[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
  u[5] = g[2];
}

// A, 4 -> 6, the transpose of Aᵀ: an output gradient's tile to its products' gradient.
template <typename T>
INLINE void outputGradientTransform(const T y[TILE], T m[SIDE]) {
  const T even = y[0] + y[2], odd = y[1] + y[3], even4 = y[0] + 4 * y[2], odd2 = 2 * y[1] + 8 * y[3];
  m[0] = y[0];
  m[1] = even + odd;
  m[2] = even - odd;
  m[3] = even4 + odd2;
  m[4] = even4 - odd2;
  m[5] = y[3];
}

// Gᵀ, 6 -> 3, the transpose of G: the filter's gradient from its transform's.
template <typename T>
INLINE void filterGradientTransform(const T u[SIDE], T g[3]) {
  const T sum = u[1] + u[2], difference = u[2] - u[1], outer = u[3] + u[4], inner = u[3] - u[4];
  g[0] = u[0] / 4 - sum / 6 + outer / 24;
  g[1] = difference / 6 + inner / 12;
  g[2] = -sum / 6 + outer / 6 + u[5];
}

// out = T in Tᵀ for the 1-D transform f (I values to O): the columns, then the rows. f is a template
// argument so that it can be inlined (a function pointer argument was called through).
template <auto f, int I, int O, typename V>
INLINE void transform2d(const V (&in)[I][I], V (&out)[O][O]) {
  V mid[O][I];
  for (int j = 0; j < I; j++) {
    V column[I], result[O];
    for (int i = 0; i < I; i++) column[i] = in[i][j];
    f(column, result);
    for (int i = 0; i < O; i++) mid[i][j] = result[i];
  }
  for (int i = 0; i < O; i++) f(mid[i], out[i]);
}

// out[r][0, COLUMNS) (+)= the sum over k of a[r aRow + k aK] b[k bRow + (0, COLUMNS)], for r < ROWS.
template <int ROWS, bool ADD>
void product(const float *a, int64_t aRow, int64_t aK, const float *b, int64_t bRow, int64_t K, float *out,
             int64_t outRow) {
  Floats acc[ROWS][OV];
  for (auto &row : acc) {
    for (auto &v : row) v = splat(0.f);
  }
  for (int64_t k = 0; k < K; k++) {
    Floats bk[OV];
    for (int v = 0; v < OV; v++) bk[v] = loadu(b + k * bRow + v * WIDTH);
    for (int r = 0; r < ROWS; r++) {
      const Floats s = splat(a[r * aRow + k * aK]);
      for (int v = 0; v < OV; v++) acc[r][v] += s * bk[v];
    }
  }
  for (int r = 0; r < ROWS; r++) {
    for (int v = 0; v < OV; v++) {
      float *o = out + r * outRow + v * WIDTH;
      storeu(o, ADD ? loadu(o) + acc[r][v] : acc[r][v]);
    }
  }
}

// The product [rows by K] · [K by cols] (cols a multiple of COLUMNS) in register tiles, a's elements at
// strides (aRow, aK).
template <bool ADD>
void products(const float *a, int64_t aRow, int64_t aK, const float *b, int64_t bRow, int64_t rows, int64_t cols,
              int64_t K, float *out, int64_t outRow) {
  for (int64_t c0 = 0; c0 < cols; c0 += COLUMNS) {
    int64_t r0 = 0;
    for (; r0 + R <= rows; r0 += R) {
      product<R, ADD>(a + r0 * aRow, aRow, aK, b + c0, bRow, K, out + r0 * outRow + c0, outRow);
    }
    withConstant<R - 1>(rows - r0, [&](auto n) {
      product<decltype(n)::value, ADD>(a + r0 * aRow, aRow, aK, b + c0, bRow, K, out + r0 * outRow + c0, outRow);
    });
  }
}

// Where tile t is: its image and the output pixel of its top-left corner.
struct Tiles {
  const WinogradShape &s;
  int64_t across = (s.ow + TILE - 1) / TILE, down = (s.oh + TILE - 1) / TILE, count = s.n * across * down;
  struct At {
    int64_t b, oy, ox;
  };
  At at(int64_t t) const {
    const int64_t perImage = across * down, i = t % perImage;
    return {t / perImage, i / across * TILE, i % across * TILE};
  }
};

// Tiles per block whose transforms of `channels` floats a tile take `budget` bytes.
int64_t blockTiles(int64_t channels, int64_t budget) {
  return std::max<int64_t>(R, budget / (POINTS * channels * int64_t(sizeof(float))));
}

// V[p][t][c] for the tiles [t0, t0 + count): their input tiles, zero outside the image, transformed.
void transformInputs(const WinogradShape &s, const Tiles &tiles, int64_t t0, int64_t count, const float *x, float *v) {
  for (int64_t t = 0; t < count; t++) {
    const auto at = tiles.at(t0 + t);
    const int64_t y0 = at.oy - s.pt, x0 = at.ox - s.pl;
    const bool whole = y0 >= 0 && y0 + SIDE <= s.h && x0 >= 0 && x0 + SIDE <= s.w;
    const int64_t corner = ((at.b * s.h + y0) * s.w + x0) * s.c;
    for (int64_t c = 0; c < s.c; c += WIDTH) {
      Floats d[SIDE][SIDE], r[SIDE][SIDE];
      for (int i = 0; i < SIDE; i++) {
        for (int j = 0; j < SIDE; j++) {
          const bool inside = whole || (y0 + i >= 0 && y0 + i < s.h && x0 + j >= 0 && x0 + j < s.w);
          d[i][j] = inside ? loadu(x + corner + (i * s.w + j) * s.c + c) : splat(0.f);
        }
      }
      transform2d<inputTransform<Floats>>(d, r);
      for (int p = 0; p < POINTS; p++) storeu(v + (p * count + t) * s.c + c, r[p / SIDE][p % SIDE]);
    }
  }
}

// U[p][ci][co] for a convolution from ci to co channels (see winogradConv for `flipped`).
void transformFilters(const float *w, bool flipped, int64_t ci, int64_t co, float *u) {
#pragma omp parallel for schedule(static) if (ci * co * POINTS >= PARALLEL_MIN)
  for (int64_t i = 0; i < ci; i++) {
    for (int64_t o = 0; o < co; o++) {
      float g[3][3], r[SIDE][SIDE];
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          g[ky][kx] = flipped ? w[(((2 - ky) * 3 + (2 - kx)) * co + o) * ci + i] : w[((ky * 3 + kx) * ci + i) * co + o];
        }
      }
      transform2d<filterTransform<float>>(g, r);
      for (int p = 0; p < POINTS; p++) u[(p * ci + i) * co + o] = r[p / SIDE][p % SIDE];
    }
  }
}

thread_local std::vector<float> inputs, outputs;

float *sized(std::vector<float> &buffer, int64_t floats) {
  if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(floats);
  return buffer.data();
}

}  // namespace

bool winogradChannels(int64_t c, int64_t o) { return c % COLUMNS == 0 && o % COLUMNS == 0; }

void winogradConv(const WinogradShape &s, const float *x, const float *w, bool flipped, const float *bias, bool relu,
                  float *y) {
  std::vector<float> u(POINTS * s.c * s.o);
  transformFilters(w, flipped, s.c, s.o, u.data());
  const Tiles tiles{s};
  const int64_t block = blockTiles(s.c + s.o, 256 << 10), blocks = (tiles.count + block - 1) / block;
#pragma omp parallel for schedule(static) if (tiles.count * POINTS * s.c * s.o >= PARALLEL_MIN)
  for (int64_t k = 0; k < blocks; k++) {
    const int64_t t0 = k * block, count = std::min(block, tiles.count - t0);
    float *v = sized(inputs, POINTS * block * s.c), *m = sized(outputs, POINTS * block * s.o);
    transformInputs(s, tiles, t0, count, x, v);
    for (int64_t p = 0; p < POINTS; p++) {
      products<false>(v + p * count * s.c, s.c, 1, u.data() + p * s.c * s.o, s.o, count, s.o, s.c, m + p * count * s.o,
                      s.o);
    }
    for (int64_t t = 0; t < count; t++) {
      const auto at = tiles.at(t0 + t);
      for (int64_t o = 0; o < s.o; o += WIDTH) {
        Floats in[SIDE][SIDE], out[TILE][TILE];
        for (int p = 0; p < POINTS; p++) in[p / SIDE][p % SIDE] = loadu(m + (p * count + t) * s.o + o);
        transform2d<outputTransform<Floats>>(in, out);
        const Floats b = bias ? loadu(bias + o) : splat(0.f);
        for (int i = 0; i < TILE && at.oy + i < s.oh; i++) {
          for (int j = 0; j < TILE && at.ox + j < s.ow; j++) {
            Floats value = out[i][j] + b;
            if (relu) value = value < splat(0.f) ? splat(0.f) : value;
            storeu(y + ((at.b * s.oh + at.oy + i) * s.ow + at.ox + j) * s.o + o, value);
          }
        }
      }
    }
  }
}

void winogradFilterGradient(const WinogradShape &s, const float *x, const float *dy, float *dw, float *db) {
  const Tiles tiles{s};
  const int64_t slices = std::min(SLICES, tiles.count), perSlice = (tiles.count + slices - 1) / slices;
  const int64_t part = POINTS * s.c * s.o + s.o, block = blockTiles(s.c + s.o, 1 << 20);
  std::vector<float> parts(slices * part, 0.f);
#pragma omp parallel for schedule(static) if (tiles.count * POINTS * s.c * s.o >= PARALLEL_MIN)
  for (int64_t slice = 0; slice < slices; slice++) {
    float *du = parts.data() + slice * part, *bias = du + POINTS * s.c * s.o;
    const int64_t end = std::min(tiles.count, (slice + 1) * perSlice);
    for (int64_t t0 = slice * perSlice; t0 < end; t0 += block) {
      const int64_t count = std::min(block, end - t0);
      float *v = sized(inputs, POINTS * block * s.c), *m = sized(outputs, POINTS * block * s.o);
      transformInputs(s, tiles, t0, count, x, v);
      for (int64_t t = 0; t < count; t++) {
        const auto at = tiles.at(t0 + t);
        for (int64_t o = 0; o < s.o; o += WIDTH) {
          Floats in[TILE][TILE], out[SIDE][SIDE], sum = splat(0.f);
          for (int i = 0; i < TILE; i++) {
            for (int j = 0; j < TILE; j++) {
              const bool inside = at.oy + i < s.oh && at.ox + j < s.ow;
              in[i][j] = inside ? loadu(dy + ((at.b * s.oh + at.oy + i) * s.ow + at.ox + j) * s.o + o) : splat(0.f);
              sum += in[i][j];
            }
          }
          storeu(bias + o, loadu(bias + o) + sum);
          transform2d<outputGradientTransform<Floats>>(in, out);
          for (int p = 0; p < POINTS; p++) storeu(m + (p * count + t) * s.o + o, out[p / SIDE][p % SIDE]);
        }
      }
      for (int64_t p = 0; p < POINTS; p++) {
        float *target = du + p * s.c * s.o;
        const float *vp = v + p * count * s.c, *mp = m + p * count * s.o;
        if (t0 == slice * perSlice) {
          products<true>(vp, 1, s.c, mp, s.o, s.c, s.o, count, target, s.o);
        } else {
          products<true>(vp, 1, s.c, mp, s.o, s.c, s.o, count, target, s.o);
        }
      }
    }
  }
#pragma omp parallel for schedule(static) if (s.c * s.o * POINTS * slices >= PARALLEL_MIN)
  for (int64_t c = 0; c < s.c; c++) {
    for (int64_t o = 0; o < s.o; o++) {
      double du[SIDE][SIDE], g[3][3];
      for (int p = 0; p < POINTS; p++) {
        double total = 0;
        for (int64_t slice = 0; slice < slices; slice++) total += parts[slice * part + (p * s.c + c) * s.o + o];
        du[p / SIDE][p % SIDE] = total;
      }
      transform2d<filterGradientTransform<double>>(du, g);
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) dw[((ky * 3 + kx) * s.c + c) * s.o + o] = static_cast<float>(g[ky][kx]);
      }
    }
  }
  if (!db) return;
  for (int64_t o = 0; o < s.o; o++) {
    double total = 0;
    for (int64_t slice = 0; slice < slices; slice++) total += parts[slice * part + POINTS * s.c * s.o + o];
    db[o] = static_cast<float>(total);
  }
}

}  // namespace pw
