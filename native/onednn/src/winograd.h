// Winograd's F(4x4, 3x3) for 3x3 stride-1 convolutions on NHWC tensors, our
// own, for the machines where oneDNN has none (its Winograd kernels are
// AVX-512 only): the forward, and through it the input gradient, and the
// filter gradient with the bias gradient in the same pass.
#pragma once

#include <cstdint>

namespace pw {

// One 3x3 stride-1 convolution: input [n, h, w, c], output [n, oh, ow, o],
// padded by pt rows on top and pl columns on the left (the rest of the
// output's extent is the bottom and right padding).
struct WinogradShape {
  int64_t n, h, w, c, oh, ow, o, pt, pl;
};

// Channel counts the kernels take: multiples of 16 (whole blocks of their register tiles, and the counts
// oneDNN's Winograd kernels take).
bool winogradChannels(int64_t c, int64_t o);

// y = act(conv(x, w) + bias) with w HWIO [3, 3, c, o]; bias may be null, relu
// or none. With `flipped`, w is the forward's filter [3, 3, o, c] of the
// convolution whose input gradient this is: rotated by 180 degrees, with its
// channels swapped.
void winogradConv(const WinogradShape &s, const float *x, const float *w, bool flipped, const float *bias, bool relu,
                  float *y);

// dw[ky][kx][c][o] = sum of x[b][oy + ky - pt][ox + kx - pl][c] dy[b][oy][ox][o],
// and db (may be null) the sum of dy over its pixels.
void winogradFilterGradient(const WinogradShape &s, const float *x, const float *dy, float *dw, float *db);

}  // namespace pw
