/**
 * Internal value types of the columnar evaluator. Every node is evaluated once over a whole time
 * grid (`ts`: the evaluation timestamps, ms, non-decreasing): an instant vector is, per series,
 * one Float64Array of values plus a presence mask over the grid; a scalar is one Float64Array over
 * the grid; a range vector is raw sample columns plus, per grid step, the [lo, hi) index window.
 * No object per sample.
 */
import type { Labels, Series } from '../model/index.js';
import type { Call, Expr, VectorSelector } from '../promql/index.js';
import type { Annotations } from './annotations.js';

/** One series of an instant vector over the grid. */
export interface VSeries {
  labels: Labels;
  /** Value per step (meaningless where p[i] === 0). */
  v: Float64Array;
  /** 1 where the series has a sample at step i. */
  p: Uint8Array;
  /** Delayed `__name__` removal: drop the name when the query finishes. */
  dropName: boolean;
}

/** One series of a range vector: raw samples (stale markers removed) and per-step windows. */
export interface MSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
  /** Window of step i is samples [lo[i], hi[i]). */
  lo: Int32Array;
  hi: Int32Array;
  dropName: boolean;
}

export interface VectorValue {
  kind: 'vector';
  series: VSeries[];
}
export interface ScalarValue {
  kind: 'scalar';
  v: Float64Array;
}
export interface StringValue {
  kind: 'string';
  s: string;
}
export interface MatrixValue {
  kind: 'matrix';
  series: MSeries[];
  /** Window end (inclusive) per step, ms; the window is (end - rangeMs, end]. */
  ends: Float64Array;
  rangeMs: number;
  /**
   * Experimental extended selectors: windows then hold the extended selection
   * (end - range - lookback, end] (anchored) or (end - range - lookback, end + lookback] (smoothed).
   */
  extended?: 'anchored' | 'smoothed';
}
export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

/** Per-query state shared by all evaluation functions (never module globals). */
export interface EvalContext {
  /** Query start/end (for `@ start()`/`@ end()` and duration expressions), ms. */
  readonly startMs: number;
  readonly endMs: number;
  /** Query step (0 for instant queries), ms. */
  readonly stepMs: number;
  readonly lookbackMs: number;
  readonly defaultSubqueryStepMs: number;
  readonly maxSamples: number;
  readonly delayedNameRemoval: boolean;
  /** Series fetched for each selector node. */
  readonly fetched: Map<VectorSelector, readonly Series[]>;
  /** Synthetic selectors fetching the info series of each info() call. */
  readonly infoSelectors: Map<Call, VectorSelector>;
  readonly annotations: Annotations;
  /** Points currently held (checked against maxSamples). */
  samples: number;
  /** Whether the query spans more than one step (sort warns then, as upstream). */
  readonly isRange: boolean;
  /** The query root (some annotations depend on it). */
  readonly root: Expr;
}

export function newVSeries(labels: Labels, n: number, dropName = false): VSeries {
  return { labels, v: new Float64Array(n), p: new Uint8Array(n), dropName };
}
