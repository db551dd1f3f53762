/**
 * Evaluation of an `ExprFragment` (pushdown): PromQL text evaluated with the shared engine over
 * this leaf's scoped querier. The result is returned as series, encoded like selector results:
 *  - matrix → its series;
 *  - vector (instant) → one sample per series at t = the evaluation time;
 *  - scalar → one series without labels at t.
 * String results cannot be streamed as series and are refused.
 */
import { CanopyError, InvalidArgumentError, LimitError, type Querier, type Series } from '../model/index.js';
import { rangeInChunks } from './execute-plan-chunks.js';
import type { ExprFragment__Output } from '../rpc/gen/canopy/v1/ExprFragment.js';
import { DEFAULT_LOOKBACK_MS } from './execute-selector.js';

export interface ExprResult {
  series: Series[];
  warnings: string[];
}

// The engine is loaded lazily (types are checked statically, the module is imported on first
// use), so the leaf's write and selector paths never depend on the engine and parser loading.
type EngineModule = typeof import('../engine/index.js');
const ENGINE_MODULE = '../engine/index.js';

let engineModule: Promise<EngineModule> | undefined;

async function loadEngine(): Promise<EngineModule['Engine']> {
  engineModule ??= import(ENGINE_MODULE) as Promise<EngineModule>;
  try {
    return (await engineModule).Engine;
  } catch (e) {
    engineModule = undefined;
    throw new CanopyError('INTERNAL', `the PromQL engine failed to load on this leaf: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function evalExpr(q: Querier, f: ExprFragment__Output, maxSamples = 0): Promise<ExprResult> {
  if (f.promql.trim() === '') throw new InvalidArgumentError('expression fragment has an empty query');
  const Engine = await loadEngine();
  const engine = new Engine({
    lookbackDeltaMs: f.lookbackMs > 0 ? f.lookbackMs : DEFAULT_LOOKBACK_MS,
    ...(maxSamples > 0 ? { maxSamples } : {}),
  });
  let out: Awaited<ReturnType<typeof engine.instant>>;
  try {
    out = f.stepMs > 0 ? await rangeInChunks(engine, q, f) : await engine.instant(q, f.promql, f.endMs);
  } catch (e) {
    // Say where the limit was hit: the gateway reports the leaf's message as the query's error.
    if (e instanceof LimitError && maxSamples > 0) throw new LimitError(`${e.message} (expression fragment: samples from this leaf, more than the limit of ${maxSamples})`);
    throw e;
  }
  // ExecuteFrame has one annotation channel: infos travel with warnings, recognisable by their
  // Prometheus prefix ("PromQL info: …").
  const warnings = [...out.warnings, ...out.infos];
  const v = out.value;
  let series: Series[];
  switch (v.resultType) {
    case 'matrix':
      series = v.series.slice();
      break;
    case 'vector':
      series = v.samples.map((s) => ({ labels: s.labels, t: Float64Array.of(s.t), v: Float64Array.of(s.v) }));
      break;
    case 'scalar':
      series = [{ labels: [], t: Float64Array.of(v.t), v: Float64Array.of(v.v) }];
      break;
    default:
      throw new InvalidArgumentError('string results cannot be returned by an expression fragment');
  }
  if (maxSamples > 0) {
    let total = 0;
    for (const s of series) total += s.t.length;
    if (total > maxSamples) throw new LimitError(`expression would return ${total} samples from this leaf, more than the limit of ${maxSamples}`);
  }
  return { series, warnings };
}
