/**
 * tfjs's BatchNormalization layer, normalising a training batch with one fused kernel (and its gradient
 * with one more) where the active backend has them (the oneDNN engine). tfjs composes training-mode batch
 * norm from moments and a normalisation, a dozen kernels forward and several dozen in the gradient: on
 * cnn-deep they took more time than its convolutions. Elsewhere, in inference, and for what the fused
 * kernel does not cover (a normalised axis other than the last, no scale or no offset), it is tfjs's own
 * layer. Where the layer's only consumer is a relu layer, the fused kernel applies the relu too and the relu
 * layer passes its input on (lib/models/activation.ts). The moving averages are updated as tfjs updates
 * them, from the same batch statistics. The class
 * keeps the name 'BatchNormalization' and its config, so saved models are unchanged and load with stock
 * tfjs in a browser.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, type BatchNormTrainAttrs } from '../backend/fused-names';
import { followedByRelu, markReluApplied } from './activation';

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** The parts of tfjs's LayerVariable used here (tfjs does not export the type). */
interface LayerVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** The fields of tfjs's layer the fused path reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

/** The stock layer class, for extending (tfjs exports only its factory). */
const StockBatchNorm = tf.layers.batchNormalization().constructor as new (args?: BatchNormArgs) => tf.layers.Layer;

/** tfjs's update of a moving statistic (doMovingAverage in tfjs-layers), operation for operation. */
function movingAverage(variable: LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const decay = 1 - momentum;
    const original = variable.read();
    variable.write(tf.sub(original, tf.mul(tf.sub(original, value), decay)));
  });
}

export class BatchNormalization extends StockBatchNorm {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const stock = () => (StockBatchNorm.prototype as unknown as { call: LayerCall }).call.call(this, inputs, kwargs);
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    const layer = this as unknown as BatchNormFields;
    // As tfjs's layer: any truthy `training` means the batch's statistics; it handles ranks 2 to 4.
    if (!kwargs.training || x == null || x.dtype !== 'float32' || x.rank < 2 || x.rank > 4 || x.size === 0) return stock();
    if (!layer.center || !layer.scale || (layer.axis >= 0 ? layer.axis : layer.axis + x.rank) !== x.rank - 1) return stock();
    if (tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) == null) return stock();
    return tf.tidy(() => {
      const attrs: BatchNormTrainAttrs = { epsilon: layer.epsilon, relu: followedByRelu(this) };
      const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN,
        { x, scale: layer.gamma.read(), offset: layer.beta.read() }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      if (attrs.relu) markReluApplied(y);
      movingAverage(layer.movingMean, mean, layer.momentum);
      movingAverage(layer.movingVariance, variance, layer.momentum);
      return y;
    });
  }
}
tf.serialization.registerClass(BatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

export function batchNormalizationLayer(args?: BatchNormArgs): tf.layers.Layer {
  return new BatchNormalization(args);
}
