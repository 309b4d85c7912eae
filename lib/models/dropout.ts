/**
 * tfjs's Dropout layer, drawing its mask with one fused kernel where the active backend has one (the
 * oneDNN engine). tfjs draws dropout masks in JavaScript, one value at a time: on classic-cnn's 128×9216
 * activations that alone costs more than the rest of a training step on oneDNN. Elsewhere, and for what the
 * fused kernel does not cover (a noise shape, a fixed layer seed), it is tfjs's own layer. The class keeps
 * the name 'Dropout' and its config, so saved models are unchanged and load with stock tfjs in a browser.
 * Seeds come from Math.random, as tfjs's own do, so the project's seeding keeps runs reproducible.
 */
import * as tf from '@tensorflow/tfjs';
import { DROPOUT_MASK, type DropoutMaskAttrs } from '../backend/fused-names';

type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** The stock layer class, for extending (tfjs exports only its factory). */
const StockDropout = tf.layers.dropout({ rate: 0.5 }).constructor as new (args: DropoutArgs) => tf.layers.Layer;

export class Dropout extends StockDropout {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const { rate, noiseShape, seed } = this as unknown as { rate: number; noiseShape?: number[]; seed?: number };
    const stock = () => (StockDropout.prototype as unknown as { call: LayerCall }).call.call(this, inputs, kwargs);
    if (kwargs.training !== true || !(rate > 0 && rate < 1) || noiseShape != null || seed != null) return stock();
    if (tf.getKernel(DROPOUT_MASK, tf.getBackend()) == null) return stock();
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const attrs: DropoutMaskAttrs = { shape: x.shape, keepProb: 1 - rate, seed: Math.floor(Math.random() * 2 ** 32) };
      const mask = tf.engine().runKernel(DROPOUT_MASK, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      return tf.mul(x, mask);
    });
  }
}
tf.serialization.registerClass(Dropout as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

export function dropoutLayer(args: DropoutArgs): tf.layers.Layer {
  return new Dropout(args);
}
