// One vector register of floats (sixteen with AVX-512, eight with AVX, four
// otherwise) through GCC's vector extensions, for the loops the compiler does
// not vectorise by itself: the C library's exp is scalar, and the selects of a
// hand-written one are not vectorised either. The width follows the machine
// the addon is built on (-march=native): a vector wider than the registers is
// split by the compiler into several, its shuffles lowered piece by piece and
// the kernels' register blocks spilled (docs/performance.md, session 11).
// exp: Cephes' polynomial on x - n*ln2, scaled by 2^n through the exponent
// bits, relative error below 2e-7; infinities and NaN come out as the C
// library's do.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

namespace pw {

#if defined(__AVX512F__)
constexpr int64_t WIDTH = 16, REGISTERS = 32;
#elif defined(__AVX__)
constexpr int64_t WIDTH = 8, REGISTERS = 16;
#else
constexpr int64_t WIDTH = 4, REGISTERS = 16;
#endif
typedef float Floats __attribute__((vector_size(WIDTH * sizeof(float))));
typedef int32_t Ints __attribute__((vector_size(WIDTH * sizeof(float))));

// v - 0 is v for every v (0 + v is not: -0 + 0 = +0), so the compiler emits a
// bare broadcast.
inline Floats splat(float v) { return v - Floats{}; }

// A vector at any address (a Floats is aligned to its own size).
inline Floats loadu(const float *p) {
  Floats v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void storeu(float *p, Floats v) { __builtin_memcpy(p, &v, sizeof v); }

// Lane l exchanged with lane l ^ S: the steps of a butterfly, after which
// every lane holds the reduction of all (log2 WIDTH steps where a loop over the
// lanes is a chain of WIDTH - 1).
template <int S, size_t... L>
constexpr Ints butterflyMask(std::index_sequence<L...>) {
  return Ints{static_cast<int32_t>(L ^ S)...};
}

template <int S = WIDTH / 2, typename Op>
inline Floats butterfly(Floats v, Op op) {
  v = op(v, __builtin_shuffle(v, butterflyMask<S>(std::make_index_sequence<WIDTH>{})));
  if constexpr (S > 1) return butterfly<S / 2>(v, op);
  return v;
}

inline Floats vmax(Floats a, Floats b) { return a > b ? a : b; }

inline float hsum(Floats v) {
  return butterfly(v, [](Floats a, Floats b) { return a + b; })[0];
}

inline float hmax(Floats v) { return butterfly(v, vmax)[0]; }

// The relu's gradient factor for its output y: 1 where y > 0, `below` where
// y <= 0, NaN where y is NaN (tfjs's step). Written as two selects of values,
// which the compiler turns into vector blends: with the NaN test nested inside
// the first select it compiled to a branch per element, and the loops around
// it, the batch norm gradient's among them, stayed scalar on AVX2.
inline float reluStep(float y, float below) {
  const float step = y > 0.f ? 1.f : below;
  return y != y ? y : step;
}

// Calls f(std::integral_constant<int, n>) for n in 1..Max, so that a kernel's
// register blocks have a size known at compile time; false for any other n.
template <int Max, typename F>
bool withConstant(int64_t n, F &&f) {
  if constexpr (Max == 0) {
    return false;
  } else {
    if (n != Max) return withConstant<Max - 1>(n, f);
    f(std::integral_constant<int, Max>{});
    return true;
  }
}

// The same for a row of one to four whole vectors (n floats).
template <typename F>
bool withWholeVectors(int64_t n, F &&f) {
  return n % WIDTH == 0 && withConstant<4>(n / WIDTH, f);
}

inline Floats vexp(Floats x) {
  const Floats lo = splat(-87.f), hi = splat(88.f);
  const Floats c = x < lo ? lo : (x > hi ? hi : x);
  const Floats t = c * 1.44269504088896341f + 0.5f;
  Ints k = __builtin_convertvector(t, Ints);
  k = __builtin_convertvector(k, Floats) > t ? k - 1 : k;  // floor
  const Floats n = __builtin_convertvector(k, Floats);
  const Floats r = (c - n * 0.693359375f) - n * -2.12194440e-4f;
  Floats p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const Floats v = (p * (r * r) + r + 1.f) * reinterpret_cast<Floats>((k + 127) << 23);
  const Floats big = x > hi ? splat(HUGE_VALF) : v;
  const Floats finite = x < lo ? splat(0.f) : big;
  return x == x ? finite : x;
}

}  // namespace pw
