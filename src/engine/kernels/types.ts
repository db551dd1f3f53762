/**
 * Kernel contract types (see index.ts for the full contract).
 *
 * Units: timestamps in milliseconds (float64 holding integers), durations in ms, values float64.
 */

/** Annotation sink: Prometheus "warnings" and "infos", worded as Prometheus words them. */
export type Annotate = (level: 'warn' | 'info', message: string) => void;

/**
 * The window a range kernel evaluates at one step.
 * `windowEnd` is the evaluation time after offset/@ are applied; the window is
 * `(windowStart, windowEnd]` with `windowStart = windowEnd - rangeMs`.
 */
export interface RangeWindow {
  windowStart: number;
  windowEnd: number;
  /** Range of the selector in ms (the `5m` of `x[5m]`); rate divides by it. */
  rangeMs: number;
  /**
   * Scalar arguments of the call other than the range vector, in call order:
   * quantile_over_time → [φ]; predict_linear → [seconds];
   * double_exponential_smoothing → [sf, tf]. Empty for the others.
   */
  params: readonly number[];
  /**
   * Evaluation timestamp of the step BEFORE offset/@ (Prometheus `enh.Ts`).
   * Only predict_linear uses it (regression intercept and prediction are anchored at
   * the evaluation time, not at the shifted window end). Defaults to `windowEnd`.
   */
  evalTime?: number;
  annotate?: Annotate;
}

/**
 * A range-window kernel over one series' sample columns `t`/`v`, reading the samples
 * with indices in `[lo, hi)`. Returns `undefined` for "no output point at this step".
 */
export type RangeKernel = (
  t: Float64Array,
  v: Float64Array,
  lo: number,
  hi: number,
  w: RangeWindow,
) => number | undefined;

/** An instant math function applied to every float sample. */
export type MathFn = (x: number) => number;
