/**
 * Multi-head self-attention as one kernel forward and one backward (native/onednn/src/attention.cc), where
 * tfjs runs about ten forward and twenty backward, with the [batch, heads, tokens, tokens] scores written and
 * read by most of them. The ViTs' MultiHeadSelfAttention runs it where the active backend has it.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, TensorInfo } from '@tensorflow/tfjs';
import { ATTENTION, type AttentionAttrs } from '../fused-names';
import type { OnednnAddon } from './addon';
import { heap, offset, type KernelArgs } from './call';

export const ATTENTION_GRAD = 'PixelwiseAttentionGrad';

/** batch, tokens, heads and headDim of a qkv tensor, as the addon takes them. */
function geometry(qkv: TensorInfo, heads: number): [batch: number, tokens: number, heads: number, headDim: number] {
  const [batch, tokens, width] = qkv.shape;
  if (qkv.shape.length !== 3 || width % (3 * heads) !== 0) throw new Error(`${ATTENTION}: qkv of shape [${qkv.shape}] is not [batch, tokens, 3 · ${heads} heads · headDim]`);
  return [batch, tokens, heads, width / 3 / heads];
}

export function attention(args: KernelArgs<'qkv'>, addon: OnednnAddon): TensorInfo[] {
  const qkv = args.inputs.qkv as TensorInfo;
  const { heads, scale } = args.attrs as unknown as AttentionAttrs;
  const { backend } = args;
  const shape = geometry(qkv, heads);
  const [batch, tokens] = shape;
  const outs = [backend.makeOutput([batch, tokens, qkv.shape[2] / 3], 'float32'), backend.makeOutput([batch, heads, tokens], 'float32')];
  addon.attention(heap(backend), offset(backend, qkv), ...outs.map((t) => offset(backend, t)), ...shape, scale);
  return outs;
}

export function attentionGrad(args: KernelArgs<'dy' | 'dLogSumExp' | 'qkv' | 'logSumExp'>, addon: OnednnAddon): TensorInfo {
  const { dy, dLogSumExp, qkv, logSumExp } = args.inputs;
  const { heads, scale } = args.attrs as unknown as AttentionAttrs;
  const { backend } = args;
  const out = backend.makeOutput(qkv!.shape, 'float32');
  addon.attentionGrad(heap(backend), ...[dy, dLogSumExp, qkv, logSumExp, out].map((t) => offset(backend, t)), ...geometry(qkv!, heads), scale);
  return out;
}

/** The forward's gradient: both outputs' gradients into one for qkv. */
export const ATTENTION_GRADIENT: GradConfig = {
  kernelName: ATTENTION,
  inputsToSave: ['qkv'],
  outputsToSave: [false, true],
  gradFunc: (dys, [qkv, logSumExp], attrs) => {
    const [dy, dLogSumExp] = dys as tf.Tensor[];
    return { qkv: () => tf.engine().runKernel(ATTENTION_GRAD, { dy, dLogSumExp, qkv, logSumExp }, attrs) as tf.Tensor };
  },
};
