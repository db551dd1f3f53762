/** The maxSamples guard (Prometheus's "query processing would load too many samples"). */
import { LimitError } from '../model/index.js';
import type { EvalContext } from './types.js';

export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** Counts `n` more points held by the query; throws LimitError past maxSamples. */
export function checkSamples(ctx: EvalContext, n: number): void {
  ctx.samples += n;
  if (ctx.samples > ctx.maxSamples) throw new LimitError(TOO_MANY_SAMPLES);
}

/**
 * A whole vector over the grid is held in memory at once (Prometheus counts a node's output
 * matrix against the limit): present points beyond maxSamples are a LimitError. Counting is
 * skipped when even a full grid could not exceed the limit.
 */
export function checkVectorPoints(ctx: EvalContext, series: readonly { p: Uint8Array }[], n: number): void {
  if (series.length * n <= ctx.maxSamples) return;
  let total = 0;
  for (const s of series) {
    const p = s.p;
    for (let i = 0; i < p.length; i++) total += p[i]!;
    if (total > ctx.maxSamples) throw new LimitError(TOO_MANY_SAMPLES);
  }
}
