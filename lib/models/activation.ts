/**
 * tfjs's Activation layer, passing on as it is a tensor that a relu has already been applied to, when it is
 * a relu itself. A layer whose only consumer is a relu Activation may apply the relu in its own fused kernel
 * and mark its output (the batch norm before each relu of cnn-deep, lib/models/batch-norm.ts, on the oneDNN
 * engine): the relu layer then costs no pass over the activations, forward or backward. Relu is idempotent,
 * so the result is the same whichever layer applies it. Otherwise it is tfjs's own layer. The class keeps the
 * name 'Activation' and its config, so saved models are unchanged and load with stock tfjs in a browser.
 */
import * as tf from '@tensorflow/tfjs';

type ActivationArgs = Parameters<typeof tf.layers.activation>[0];
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/** The stock layer class, for extending (tfjs exports only its factory). */
const StockActivation = tf.layers.activation({ activation: 'relu' }).constructor as new (args: ActivationArgs) => tf.layers.Layer;

/** Tensors a relu has been applied to by the layer that made them. */
const reluApplied = new WeakSet<tf.Tensor>();

const isRelu = (layer: tf.layers.Layer) =>
  layer.getClassName() === 'Activation' && (layer as unknown as { activation: { getClassName(): string } }).activation.getClassName() === 'relu';

/** Whether everything `layer`'s output feeds is one relu Activation layer, so the layer may apply the relu itself. */
export function followedByRelu(layer: tf.layers.Layer): boolean {
  const consumers = layer.outboundNodes;
  return consumers.length === 1 && isRelu(consumers[0].outboundLayer);
}

/** Records that a relu has been applied to `t`, for the relu layer that receives it. */
export function markReluApplied(t: tf.Tensor): void {
  reluApplied.add(t);
}

export class Activation extends StockActivation {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
    // A copy, not the tensor itself: the model may dispose each layer's output on its own.
    if (x != null && reluApplied.has(x) && isRelu(this)) return tf.clone(x);
    return (StockActivation.prototype as unknown as { call: LayerCall }).call.call(this, inputs, kwargs);
  }
}
tf.serialization.registerClass(Activation as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);

export function activationLayer(args: ActivationArgs): tf.layers.Layer {
  return new Activation(args);
}
