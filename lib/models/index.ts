/** Importing this module registers every architecture in the model registry. */
import './cnn';

export * from './registry';
export { saveModel, loadModel } from './io';
