/** The maxSamples guard (Prometheus's "query processing would load too many samples"). */
import { LimitError } from '../model/index.js';
import type { EvalContext } from './types.js';

export const TOO_MANY_SAMPLES = 'query processing would load too many samples into memory in query execution';

/** Counts `n` more points held by the query; throws LimitError past maxSamples. */
export function checkSamples(ctx: EvalContext, n: number): void {
  ctx.samples += n;
  if (ctx.samples > ctx.maxSamples) throw new LimitError(TOO_MANY_SAMPLES);
}
