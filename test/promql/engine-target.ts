/**
 * The conformance target for Canopy's single-node engine: `Engine` over a `MemoryQuerier`, with the
 * settings the scripts assume (FORMAT.md §6.1): 5 m lookback, 1 m default subquery step.
 */
import { Engine, type EngineOptions } from '../../src/engine/index.js';
import { MemoryQuerier, type Series } from '../../src/model/index.js';
import type { QueryTarget, TargetOutput } from './target.js';

export const SCRIPT_ENGINE_OPTIONS: EngineOptions = { lookbackDeltaMs: 300_000, defaultSubqueryStepMs: 60_000 };

export function engineTarget(opts: EngineOptions = SCRIPT_ENGINE_OPTIONS): QueryTarget {
  const engine = new Engine(opts);
  let querier = new MemoryQuerier([]);
  return {
    async setData(series: readonly Series[]) {
      querier = new MemoryQuerier(series);
    },
    async instant(q, timeMs): Promise<TargetOutput> {
      return engine.instant(querier, q.expr ?? q.text, timeMs);
    },
    async range(q, startMs, endMs, stepMs): Promise<TargetOutput> {
      return engine.range(querier, q.expr ?? q.text, startMs, endMs, stepMs);
    },
  };
}
