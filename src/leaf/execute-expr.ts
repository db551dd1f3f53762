/**
 * Evaluation of an `ExprFragment` (pushdown): PromQL text evaluated with the shared engine over
 * this leaf's scoped querier. The result is returned as series, encoded like selector results:
 *  - matrix → its series;
 *  - vector (instant) → one sample per series at t = the evaluation time;
 *  - scalar → one series without labels at t.
 * String results cannot be streamed as series and are refused.
 */
import { CanopyError, compareLabels, InvalidArgumentError, labelsKey, LimitError, type Querier, type Series } from '../model/index.js';
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

/** Steps evaluated per engine call of a range fragment (the event loop breathes in between). */
export const CHUNK_STEPS = 32;

/** PromQL that depends on the query's own start/end/step: a chunk would change its meaning. */
const QUERY_TIME_REF = /\b(start|end|step|range)\s*\(\s*\)/;

type EngineT = InstanceType<EngineModule['Engine']>;
type Output = Awaited<ReturnType<EngineT['range']>>;

/**
 * A range fragment evaluated in chunks of CHUNK_STEPS steps, yielding to the event loop between
 * chunks: a long evaluation (tens of thousands of series) would otherwise block the leaf for
 * tens of seconds — no keepalive answered, no other call served. Every step's value depends only
 * on data in its own window (subquery grids are aligned to absolute times), so the chunks
 * concatenate to the whole; expressions referring to the query's start/end/step are evaluated
 * in one piece. Chunks have at least 2 steps (a 1-step range is not a "range" query for
 * annotations such as sort's).
 */
async function rangeInChunks(engine: EngineT, q: Querier, f: ExprFragment__Output): Promise<Output> {
  const steps = Math.floor((f.endMs - f.startMs) / f.stepMs) + 1;
  if (steps <= CHUNK_STEPS + 1 || QUERY_TIME_REF.test(f.promql)) return engine.range(q, f.promql, f.startMs, f.endMs, f.stepMs);
  const parts: Output[] = [];
  for (let first = 0; first < steps; ) {
    let last = Math.min(steps - 1, first + CHUNK_STEPS - 1);
    if (last === steps - 2) last = steps - 1;
    parts.push(await engine.range(q, f.promql, f.startMs + first * f.stepMs, f.startMs + last * f.stepMs, f.stepMs));
    first = last + 1;
    if (first < steps) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const byKey = new Map<string, Series[]>();
  for (const p of parts) {
    if (p.value.resultType !== 'matrix') return p;
    for (const s of p.value.series) {
      const k = labelsKey(s.labels);
      const list = byKey.get(k);
      if (list) list.push(s);
      else byKey.set(k, [s]);
    }
  }
  const series: Series[] = [];
  for (const list of byKey.values()) {
    if (list.length === 1) {
      series.push(list[0]!);
      continue;
    }
    let n = 0;
    for (const s of list) n += s.t.length;
    const t = new Float64Array(n);
    const v = new Float64Array(n);
    let k = 0;
    for (const s of list) {
      t.set(s.t, k);
      v.set(s.v, k);
      k += s.t.length;
    }
    series.push({ labels: list[0]!.labels, t, v });
  }
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const set = (xs: string[][]) => [...new Set(xs.flat())];
  return {
    value: { resultType: 'matrix', series },
    warnings: set(parts.map((p) => p.warnings)),
    infos: set(parts.map((p) => p.infos)),
    stats: { series: Math.max(...parts.map((p) => p.stats.series)), samples: parts.reduce((a, p) => a + p.stats.samples, 0) },
  };
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
