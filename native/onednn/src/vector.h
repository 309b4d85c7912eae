// Sixteen floats at a time (one AVX-512 register) through GCC's vector
// extensions, for the loops the compiler does not vectorise by itself: the C
// library's exp is scalar, and the selects of a hand-written one are not
// vectorised either. exp: Cephes' polynomial on x - n*ln2, scaled by 2^n
// through the exponent bits, relative error below 2e-7; infinities and NaN
// come out as the C library's do.
#pragma once

#include <cmath>
#include <cstdint>

namespace pw {

typedef float Floats __attribute__((vector_size(64)));
typedef int32_t Ints __attribute__((vector_size(64)));
constexpr int64_t WIDTH = 16;

// v - 0 is v for every v (0 + v is not: -0 + 0 = +0), so the compiler emits a
// bare broadcast.
inline Floats splat(float v) { return v - Floats{}; }

// 16 floats at any address (a Floats is 64-byte aligned).
inline Floats loadu(const float *p) {
  Floats v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

inline void storeu(float *p, Floats v) { __builtin_memcpy(p, &v, sizeof v); }

// Sum and maximum of the 16 lanes: halving trees of shuffles, four steps
// where a loop over the lanes is a chain of fifteen.
inline float hsum(Floats v) {
  v += __builtin_shuffle(v, Ints{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7});
  v += __builtin_shuffle(v, Ints{4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11});
  v += __builtin_shuffle(v, Ints{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13});
  v += __builtin_shuffle(v, Ints{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14});
  return v[0];
}

inline Floats vmax(Floats a, Floats b) { return a > b ? a : b; }

inline float hmax(Floats v) {
  v = vmax(v, __builtin_shuffle(v, Ints{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7}));
  v = vmax(v, __builtin_shuffle(v, Ints{4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11}));
  v = vmax(v, __builtin_shuffle(v, Ints{2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13}));
  v = vmax(v, __builtin_shuffle(v, Ints{1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14}));
  return v[0];
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
