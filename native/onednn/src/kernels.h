// The kernels the addon exports, one function per tfjs kernel family. Each
// reads its arguments from Args (argument layouts are documented at each
// definition and mirrored in lib/backend/onednn) and throws Failure.
#pragma once

#include "common.h"

namespace pw {

void conv2d(const Args &a);
void conv2dBackpropInput(const Args &a);
void conv2dBackpropFilter(const Args &a);
void batchMatMul(const Args &a);
void pool(const Args &a);
void poolGrad(const Args &a);
void binary(const Args &a);
void unary(const Args &a);
void sum(const Args &a);
void adam(const Args &a);
void tile(const Args &a);
void transpose(const Args &a);
void batchNorm(const Args &a);
void dropoutMask(const Args &a);
void batchNormTrain(const Args &a);
void batchNormTrainGrad(const Args &a);
void layerNorm(const Args &a);
void layerNormGrad(const Args &a);
void softmax(const Args &a);
void softmaxGrad(const Args &a);
void attention(const Args &a);
void attentionGrad(const Args &a);

}  // namespace pw
