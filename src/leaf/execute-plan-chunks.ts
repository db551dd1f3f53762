/**
 * Long range fragments evaluated in chunks of CHUNK_STEPS steps, yielding to the event loop
 * between chunks: one evaluation over tens of thousands of series would otherwise block the leaf
 * for many seconds (no keepalive answered, no other call served).
 *
 * Correctness: every step's value depends only on data in its own window (subquery grids are
 * aligned to absolute times), so the chunks concatenate to the whole; expressions referring to
 * the query's own start/end/step are evaluated in one piece. Chunks have at least 2 steps (a
 * 1-step range is not a "range" query for annotations such as sort's).
 *
 * Cost: the store is read ONCE. A selector's window moves rigidly with the evaluation time, so
 * the first chunk's select is widened to cover all later chunks and kept; later chunks get
 * zero-copy slices of it (a selector whose window does not move, e.g. `@ t`, is keyed apart and
 * read again).
 */
import { compareLabels, labelsKey, lowerBound, upperBound, type LabelHints, type Matcher, type Querier, type SelectHints, type Series, type SeriesSet } from '../model/index.js';
import type { ExprFragment__Output } from '../rpc/gen/canopy/v1/ExprFragment.js';

/** Steps evaluated per engine call. */
export const CHUNK_STEPS = 32;

/** PromQL that depends on the query's own start/end/step: a chunk would change its meaning. */
const QUERY_TIME_REF = /\b(start|end|step|range)\s*\(\s*\)/;

type Output = { value: { resultType: string; series?: Series[] } & Record<string, unknown>; warnings: string[]; infos: string[]; stats: { series: number; samples: number } };

/** Reads each selector once for the whole range; chunks see slices of what was read. */
class ChunkQuerier implements Querier {
  /** Evaluation time span of the current chunk. */
  chunkStart = 0;
  chunkEnd = 0;
  private readonly cache = new Map<string, Promise<SeriesSet>>();

  constructor(
    private readonly inner: Querier,
    private readonly rangeEnd: number,
  ) {}

  select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> {
    const key = JSON.stringify([matchers, hints.start - this.chunkStart, hints.end - this.chunkEnd, hints.func ?? '', hints.range ?? 0]);
    let all = this.cache.get(key);
    if (!all) {
      all = this.inner.select(matchers, { ...hints, end: hints.end + (this.rangeEnd - this.chunkEnd) });
      this.cache.set(key, all);
    }
    const { start, end } = hints;
    return all.then((set) =>
      set.map((s) => {
        const lo = lowerBound(s.t, start);
        const hi = upperBound(s.t, end);
        return lo === 0 && hi === s.t.length ? s : { labels: s.labels, t: s.t.subarray(lo, hi), v: s.v.subarray(lo, hi) };
      }),
    );
  }

  labelNames(h: LabelHints): Promise<string[]> {
    return this.inner.labelNames(h);
  }

  labelValues(name: string, h: LabelHints): Promise<string[]> {
    return this.inner.labelValues(name, h);
  }
}

export async function rangeInChunks<O extends Output>(engine: { range(q: Querier, query: string, s: number, e: number, st: number): Promise<O> }, q: Querier, f: ExprFragment__Output): Promise<O> {
  const steps = Math.floor((f.endMs - f.startMs) / f.stepMs) + 1;
  if (steps <= CHUNK_STEPS + 1 || QUERY_TIME_REF.test(f.promql)) return engine.range(q, f.promql, f.startMs, f.endMs, f.stepMs);
  const cq = new ChunkQuerier(q, f.endMs);
  const parts: O[] = [];
  for (let first = 0; first < steps; ) {
    let last = Math.min(steps - 1, first + CHUNK_STEPS - 1);
    if (last === steps - 2) last = steps - 1;
    cq.chunkStart = f.startMs + first * f.stepMs;
    cq.chunkEnd = f.startMs + last * f.stepMs;
    parts.push(await engine.range(cq, f.promql, cq.chunkStart, cq.chunkEnd, f.stepMs));
    first = last + 1;
    if (first < steps) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const byKey = new Map<string, Series[]>();
  for (const p of parts) {
    if (p.value.resultType !== 'matrix') return p;
    for (const s of p.value.series!) {
      const k = labelsKey(s.labels);
      const list = byKey.get(k);
      if (list) list.push(s);
      else byKey.set(k, [s]);
    }
  }
  const series: Series[] = [];
  for (const list of byKey.values()) series.push(list.length === 1 ? list[0]! : concat(list));
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const union = (xs: string[][]): string[] => [...new Set(xs.flat())];
  return {
    ...parts[0]!,
    value: { resultType: 'matrix', series },
    warnings: union(parts.map((p) => p.warnings)),
    infos: union(parts.map((p) => p.infos)),
    stats: { series: Math.max(...parts.map((p) => p.stats.series)), samples: parts.reduce((a, p) => a + p.stats.samples, 0) },
  };
}

function concat(list: readonly Series[]): Series {
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
  return { labels: list[0]!.labels, t, v };
}
