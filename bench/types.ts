/** What the benchmark measures and records: shared by the engine children, the orchestration and the report. */

export type TfjsEngine = 'onednn' | 'wasm-threaded' | 'wasm' | 'cpu' | 'node';
export type Engine = TfjsEngine | 'torch';

/** Per model, in this order: the engines side by side, PyTorch among the fastest so their ratios see the same machine load. */
export const ENGINES: readonly Engine[] = ['onednn', 'torch', 'wasm-threaded', 'wasm', 'cpu', 'node'];

export interface KernelTime {
  name: string;
  ms: number;
  calls: number;
  /** Fraction of the profiled step's total kernel time. */
  share: number;
}

export interface KernelProfile {
  /** Sum of all kernel times of the profiled step. */
  totalMs: number;
  kernelCalls: number;
  /** The kernels with the most time, summed per kernel name, largest first. */
  top: KernelTime[];
}

export interface Measurement {
  params: number;
  batchSize: number;
  trainSamplesPerSec: number;
  inferImagesPerSec: number;
  /** Peak RSS of the process that measured this model alone on this engine. */
  peakRssMB: number;
  /** Each timed training step / inference batch, warm-up excluded. */
  stepMs: number[];
  inferMs: number[];
  /** tfjs engines: one extra training step under tf.profile. */
  profile?: KernelProfile;
}

export type Outcome =
  | { status: 'measured'; result: Measurement }
  /** Not attempted: an estimated step over --max-step-seconds. */
  | { status: 'skipped'; reason: string }
  /** The engine cannot run on this machine (tfjs-node or PyTorch missing). */
  | { status: 'unavailable'; reason: string }
  | { status: 'failed'; reason: string };

export interface BenchmarkSettings {
  batchSize: number;
  /** Timed steps on wasm, node and torch; cpu does fewer (see protocolFor). */
  steps: number;
  seed: number;
  maxStepSeconds: number;
  models: string[];
  engines: Engine[];
  /**
   * Each model's engines run this many times, the order reversed every other round: on a shared machine the
   * load drifts over seconds, so an engine compared with PyTorch in the same round sees the same load.
   */
  rounds: number;
}

/** One round's throughputs of one model on one engine. */
export interface RoundThroughput {
  trainSamplesPerSec: number;
  inferImagesPerSec: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  totalMemMB: number;
  node: string;
  tfjs: string;
  /** 1, 5 and 15-minute load averages when the run started and ended: the machine is shared. */
  loadAverage: { start: number[]; end: number[] };
}

export interface BenchmarkReport {
  createdAt: string;
  settings: BenchmarkSettings;
  machine: MachineInfo;
  /** Per engine: what ran (backend details, PyTorch version and threads) or why it could not. */
  engines: Partial<Record<Engine, string>>;
  /** Per model and engine: the round with the median training throughput (every round when rounds is 1). */
  models: Record<string, Partial<Record<Engine, Outcome>>>;
  /** Per model and engine, every round's throughputs in round order (null: not measured in that round). */
  rounds: Record<string, Partial<Record<Engine, (RoundThroughput | null)[]>>>;
}
