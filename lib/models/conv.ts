/**
 * tfjs's Conv2D layer, running the convolution, its bias and a relu as one kernel where the active backend
 * has it (the oneDNN engine). tfjs fuses them only outside a gradient tape: in training a relu convolution is
 * three kernels forward (Conv2D, Add, Relu), each a pass over the layer's largest tensor, and a linear one runs
 * tfjs's fused op, whose gradient computes the input's gradient even for the image. The fused kernel's
 * gradient (lib/backend/onednn/fused.ts) gives each input its own closure, so the tape computes only the
 * gradients it needs. Elsewhere, and for what the kernel does not cover (channels first, dilation, other
 * activations), it is tfjs's own layer. The class keeps the name 'Conv2D' and its config, so saved models are
 * unchanged and load with stock tfjs in a browser.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_CONV_2D } from '../backend/fused-names';

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** The fields of tfjs's layer the fused path reads (tfjs does not export the types). */
interface ConvFields {
  kernel: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  strides: number[];
  padding: string;
  dataFormat: string;
  dilationRate: number | number[];
  activation: { getClassName(): string };
}

/** The stock layer class, for extending (tfjs exports only its factory). */
const StockConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).constructor as new (args: ConvArgs) => tf.layers.Layer;

/** The activations the fused kernel applies; the relu gradient is taken from the kernel's output. */
const FUSED_ACTIVATIONS = new Set(['linear', 'relu']);

export class Conv2D extends StockConv2D {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const stock = () => (StockConv2D.prototype as unknown as { call: LayerCall }).call.call(this, inputs, kwargs);
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const layer = this as unknown as ConvFields;
    const activation = layer.activation.getClassName();
    const dilations = [layer.dilationRate].flat();
    if (x == null || x.rank !== 4 || x.dtype !== 'float32' || layer.dataFormat !== 'channelsLast') return stock();
    if (!FUSED_ACTIVATIONS.has(activation) || dilations.some((d) => d !== 1) || (layer.padding !== 'same' && layer.padding !== 'valid')) return stock();
    if (tf.getKernel(FUSED_CONV_2D, tf.getBackend()) == null) return stock();
    return tf.tidy(() => {
      const attrs = { strides: layer.strides, pad: layer.padding, dataFormat: 'NHWC', dilations: 1, activation, hasBias: layer.bias != null };
      // The tape reads every input it is given, so an absent bias is left out rather than undefined.
      const convInputs: tf.NamedTensorMap = { x, filter: layer.kernel.read() };
      if (layer.bias != null) convInputs.bias = layer.bias.read();
      return tf.engine().runKernel(FUSED_CONV_2D, convInputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    });
  }
}
tf.serialization.registerClass(Conv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

export function conv2dLayer(args: ConvArgs): tf.layers.Layer {
  return new Conv2D(args);
}
