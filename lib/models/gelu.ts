/**
 * tfjs-layers' 'gelu' activation, one fused kernel forward and one backward where the active backend has
 * them (the oneDNN engine). tfjs composes it from five kernels, and its gradient from a dozen more, on the
 * widest activations of a ViT (its MLP's hidden layer). Elsewhere it is tfjs's own activation. It takes
 * tfjs's class name, so `activation: 'gelu'` in a layer built or loaded after this module is imported picks
 * it up, and saved models are unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { GELU } from '../backend/fused-names';

interface Activation {
  apply(x: tf.Tensor): tf.Tensor;
}

/** tfjs's Gelu activation class, as tfjs registered it (tfjs does not export it). */
const StockGelu = tf.serialization.SerializationMap.getMap().classNameMap.gelu[0] as unknown as new () => Activation;

export class Gelu extends StockGelu {
  override apply(x: tf.Tensor): tf.Tensor {
    if (x.dtype !== 'float32' || tf.getKernel(GELU, tf.getBackend()) == null) return super.apply(x);
    return tf.engine().runKernel(GELU, { x }) as tf.Tensor;
  }
}
tf.serialization.registerClass(Gelu as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
