/**
 * What the evaluator passes between nodes. Like Prometheus' engine, every instant-vector node is
 * evaluated for all steps at once; a series is a dense column per step with a presence flag,
 * which keeps an 11,000-step range query to typed-array loops instead of per-step objects.
 */
import { execution, PromqlError, tooManySamples } from './errors.js';
import { labelsKey, type Labels } from './labels.js';

/** The evaluation timestamps: startMs, startMs + stepMs, … up to endMs; `steps` may be 0. */
export interface Grid {
  startMs: number;
  endMs: number;
  stepMs: number;
  steps: number;
}

export function makeGrid(startMs: number, endMs: number, stepMs: number): Grid {
  const steps = endMs < startMs ? 0 : Math.floor((endMs - startMs) / stepMs) + 1;
  return { startMs, endMs, stepMs, steps };
}

export const instantGrid = (timeMs: number): Grid => ({ startMs: timeMs, endMs: timeMs, stepMs: 1, steps: 1 });

export const gridTime = (g: Grid, step: number): number => g.startMs + step * g.stepMs;

export interface StepSeries {
  labels: Labels;
  values: Float64Array;
  /** 1 where the series has a value at that step. */
  present: Uint8Array;
}

/**
 * Raw points of a range vector: a range selector's samples or a subquery's steps. Always
 * Float64Array, so the hot loops over windows see one array kind and stay fast.
 */
export interface RangeSeries {
  labels: Labels;
  timestampsMs: Float64Array;
  values: Float64Array;
}

export type Value =
  | { kind: 'vector'; series: StepSeries[]; /** points held, for the sample budget */ points: number }
  | { kind: 'scalar'; values: Float64Array }
  | { kind: 'string'; value: string }
  | { kind: 'matrix'; series: RangeSeries[] };

export type VectorValue = Extract<Value, { kind: 'vector' }>;
export type ScalarValue = Extract<Value, { kind: 'scalar' }>;

export const pointCount = (s: StepSeries): number => {
  let n = 0;
  for (let i = 0; i < s.present.length; i++) n += s.present[i] as number;
  return n;
};

/** Limits shared by every node of one query: sample budget and deadline. */
export class Limits {
  private points = 0;
  private checks = 0;
  constructor(
    private readonly maxSamples: number,
    private readonly deadlineMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Raw samples fetched and points of intermediate results count towards one budget. */
  addPoints(n: number): void {
    this.points += n;
    if (this.points > this.maxSamples) throw tooManySamples();
  }

  releasePoints(n: number): void {
    this.points -= n;
  }

  /** Cheap enough to call in inner loops: the clock is read every 256 calls. */
  checkTime(): void {
    if ((++this.checks & 255) !== 0) return;
    this.checkTimeNow();
  }

  checkTimeNow(): void {
    if (this.signal?.aborted === true) throw timeoutError('query was canceled in expression evaluation');
    if (Date.now() > this.deadlineMs) throw timeoutError('query timed out in expression evaluation');
  }
}

const timeoutError = (message: string): PromqlError => new PromqlError('timeout', message);

/**
 * Collects a node's output series by label set. Prometheus refuses a step at which two results
 * share a label set ("vector cannot contain metrics with the same labelset"); so does this.
 */
export class VectorBuilder {
  private readonly byKey = new Map<string, number>();
  readonly series: StepSeries[] = [];
  private written = 0;

  constructor(
    private readonly steps: number,
    private readonly limits: Limits,
  ) {}

  /** The index of the output series for `labels`, created on first use. */
  indexFor(labels: Labels, key: string = labelsKey(labels)): number {
    let idx = this.byKey.get(key);
    if (idx === undefined) {
      idx = this.series.length;
      this.byKey.set(key, idx);
      this.series.push({ labels, values: new Float64Array(this.steps), present: new Uint8Array(this.steps) });
    }
    return idx;
  }

  set(idx: number, step: number, value: number): void {
    const s = this.series[idx] as StepSeries;
    if (s.present[step] === 1) throw execution('vector cannot contain metrics with the same labelset');
    s.present[step] = 1;
    s.values[step] = value;
    if ((++this.written & 1023) === 0) this.limits.addPoints(1024);
  }

  finish(): VectorValue {
    this.limits.addPoints(this.written & 1023);
    return { kind: 'vector', series: this.series.filter((s) => s.present.includes(1)), points: this.written };
  }
}
