/**
 * The conformance target for Canopy's single-node engine: `Engine` over a `MemoryQuerier`, with the
 * settings the scripts assume (FORMAT.md §6.1): 5 m lookback, 1 m default subquery step, delayed
 * `__name__` removal on (the upstream harness enables it; Canopy's user-facing default stays
 * Prometheus's default, off).
 */
import { Engine, type EngineOptions } from '../../src/engine/index.js';
import { MemoryQuerier, type Series } from '../../src/model/index.js';
import type { QueryTarget, TargetOutput } from './target.js';

export const SCRIPT_ENGINE_OPTIONS: EngineOptions = { lookbackDeltaMs: 300_000, defaultSubqueryStepMs: 60_000, delayedNameRemoval: true };

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

/**
 * The same settings as the gateway's engine (Prometheus's default: immediate `__name__` removal).
 * Distributed differential tests compare against this: pushed-down fragments are evaluated on the
 * leaves, and delayed name removal is not carried across a fragment boundary yet.
 */
export const GATEWAY_ENGINE_OPTIONS: EngineOptions = { ...SCRIPT_ENGINE_OPTIONS, delayedNameRemoval: false };
