/**
 * Running plan fragments on the leaves (the gateway half of pushdown). The gateway's engine
 * meets a fragment as a synthetic selector `{__canopy_fragment__="f0"}`; the remote querier
 * hands it here with the engine's hints, from which the fragment's evaluation grid follows:
 * the engine asks for (t₀ − lookback, t₁] where t₀…t₁ are the grid times, and the grid step is
 * the fragment's (query step, or its subquery's step).
 *
 * Each leaf evaluates the fragment's PromQL with the shared engine over the series of the ranges
 * it was sent (an `ExprFragment`), and streams the result as Arrow batches. Answers of `partial`
 * fragments are tagged with a part label naming the ranges they cover (the operator above
 * merges them) — folded per group as they arrive (PartialFolder for sum/min/max/group,
 * MomentMerger for avg/stddev/stdvar) so memory holds one series per group; answers of `whole`
 * fragments are disjoint and simply united. Finally every series is laid on
 * the full grid with stale markers where it has no value, so the gateway's selector sees
 * exactly the fragment's presence at each step (no lookback filling).
 */
import { compareKeys, STALE_NAN, withLabel, type SelectHints, type Series } from '../model/index.js';
import { groupByLeaf, PART_LABEL, planSelector, type PlanFragment, type SelectorFanout } from '../planner/index.js';
import { executeFanout } from './fanout-exec.js';
import type { GatewayMetrics } from './metrics.js';
import type { QueryContext } from './query-context.js';
import { MomentMerger } from './merge-moments.js';
import { PartialFolder } from './merge-partials.js';
import { mergeSeriesSets } from './series-merge.js';
import type { Topology } from './topology.js';
import { hintsOf } from './hint-state.js';

/** A leaf evaluates at most this many grid points per call (the engine's range-query cap). */
export const MAX_GRID_POINTS = 11_000;

export interface FragmentLeafStats {
  leafId: string;
  ranges: string[];
  series: number;
  samples: number;
  bytes: number;
  ms: number;
}

export interface FragmentStats {
  id: string;
  promql: string;
  grid: { startMs: number; endMs: number; stepMs: number };
  leaves: FragmentLeafStats[];
  series: number;
  samples: number;
  bytes: number;
  ms: number;
}

/** Union of several selectors' fan-outs (a fragment reads every range any of its selectors needs). */
export function unionFanout(all: readonly SelectorFanout[]): SelectorFanout {
  const fs = [...new Map(all.map((f) => [f.selector, f])).values()];
  if (fs.length === 1) return fs[0]!;
  const byId = new Map<string, SelectorFanout['ranges'][number]>();
  for (const f of fs) for (const r of f.ranges) byId.set(r.rangeId, r);
  const ranges = [...byId.values()].sort((a, b) => compareKeys(a.start, b.start));
  const kinds = fs.map((f) => f.kind);
  return {
    selector: fs.map((f) => f.selector).join(' ∪ '),
    matchers: fs.flatMap((f) => f.matchers),
    kind: kinds.includes('scatter') ? 'scatter' : kinds.includes('targeted') ? 'targeted' : 'none',
    spans: fs.flatMap((f) => f.spans),
    why: fs.flatMap((f) => f.why),
    ranges,
    groups: groupByLeaf(ranges),
    prunedByRange: Math.min(...fs.map((f) => f.prunedByRange)),
    prunedByHint: [...new Set(fs.flatMap((f) => f.prunedByHint ?? []))].filter((id) => !byId.has(id)),
    prunedByTime: [...new Set(fs.flatMap((f) => f.prunedByTime ?? []))].filter((id) => !byId.has(id)),
    stages: fs.flatMap((f) => (f.stages ?? []).map((l) => `${f.selector}: ${l}`)),
  };
}

/** Grid times of a fragment from the engine's hints (see the file comment). */
export function fragmentGrid(f: PlanFragment, hints: SelectHints, lookbackMs: number): { startMs: number; endMs: number; stepMs: number; times: Float64Array } {
  const endMs = hints.end;
  const startMs = f.stepMs > 0 ? hints.start + lookbackMs - 1 : endMs;
  if (f.stepMs <= 0) return { startMs, endMs, stepMs: 0, times: Float64Array.of(endMs) };
  const n = endMs < startMs ? 0 : Math.floor((endMs - startMs) / f.stepMs) + 1;
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = startMs + i * f.stepMs;
  return { startMs, endMs, stepMs: f.stepMs, times };
}

/** Lays a series on the grid: its value where it has a sample at a grid time, a stale marker elsewhere. */
export function onGrid(s: Series, times: Float64Array): Series {
  if (s.t.length === times.length && s.t.every((t, i) => t === times[i])) return s;
  const v = new Float64Array(times.length).fill(STALE_NAN);
  let j = 0;
  for (let i = 0; i < times.length && j < s.t.length; i++) {
    while (j < s.t.length && s.t[j]! < times[i]!) j++;
    if (j < s.t.length && s.t[j] === times[i]) v[i] = s.v[j]!;
  }
  return { labels: s.labels, t: times, v };
}

export class FragmentRunner {
  readonly stats: FragmentStats[] = [];
  /** Info annotations reported by the leaves (`PromQL info: …`), kept apart from warnings. */
  readonly infos = new Set<string>();
  private readonly byId: Map<string, PlanFragment>;
  private readonly cache = new Map<string, Promise<Series[]>>();

  constructor(
    private readonly ctx: QueryContext,
    private readonly topology: Topology,
    private readonly metrics: GatewayMetrics,
    fragments: readonly PlanFragment[],
    private readonly lookbackMs: number,
  ) {
    this.byId = new Map(fragments.map((f) => [f.id, f]));
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  select(id: string, hints: SelectHints): Promise<Series[]> {
    let p = this.cache.get(id);
    if (!p) {
      p = this.run(this.byId.get(id)!, hints);
      this.cache.set(id, p);
    }
    return p;
  }

  private async run(f: PlanFragment, hints: SelectHints): Promise<Series[]> {
    const { ctx } = this;
    const started = performance.now();
    const grid = fragmentGrid(f, hints, this.lookbackMs);
    const st: FragmentStats = { id: f.id, promql: f.promql, grid: { startMs: grid.startMs, endMs: grid.endMs, stepMs: grid.stepMs }, leaves: [], series: 0, samples: 0, bytes: 0, ms: 0 };
    this.stats.push(st);
    if (grid.times.length === 0) return [];
    const fanout = unionFanout(f.selectors.map((s) => planSelector(s.matchers, { tenant: ctx.tenant, encoder: this.topology.encoder, table: ctx.table, leafUp: this.topology.leafUp, hints: hintsOf(this.topology) })));
    const chunks: { startMs: number; endMs: number }[] = [];
    if (grid.stepMs === 0) chunks.push({ startMs: grid.endMs, endMs: grid.endMs });
    else for (let i = 0; i < grid.times.length; i += MAX_GRID_POINTS) chunks.push({ startMs: grid.times[i]!, endMs: grid.times[Math.min(grid.times.length, i + MAX_GRID_POINTS) - 1]! });

    const merger = f.merge ? new MomentMerger(f.merge, grid.times) : f.fold ? new PartialFolder(f.fold, grid.times) : undefined;
    const parts = await executeFanout(ctx, this.topology, this.metrics, fanout, 'execute', async (client, ranges, leafId) => {
      const t0 = performance.now();
      const perChunk: Series[][] = [];
      const warnings: string[] = [];
      let bytes = 0;
      for (const c of chunks) {
        const out: Series[] = [];
        const stream = client.execute(
          {
            tenant: ctx.tenant,
            queryId: ctx.id,
            ranges,
            maxSamples: ctx.maxSamplesPerLeaf,
            fragment: { expr: { promql: f.promql, startMs: c.startMs, endMs: c.endMs, stepMs: grid.stepMs, lookbackMs: this.lookbackMs } },
          },
          { signal: ctx.signal, deadlineMs: ctx.deadline },
        );
        for await (const ev of stream) {
          if (ev.kind === 'batch') {
            for (const s of ev.series) out.push(s);
            bytes += ev.bytes;
          } else if (ev.kind === 'warning') warnings.push(ev.message);
        }
        perChunk.push(out);
      }
      // Only a completed call counts: its bytes and annotations are taken now.
      let series = perChunk.length === 1 ? perChunk[0]! : mergeSeriesSets(perChunk);
      if (merger) {
        // Folded at once, per group (streaming: the answer itself is not kept).
        merger.add(series);
      } else if (f.variant === 'partial') {
        // The tag names the ranges the partial state covers, so the partial states of sibling
        // fragments (avg's sum and count, stddev's moments) over the same ranges pair up.
        const tag = ranges.map((r) => r.id).join(',');
        series = series.map((s) => ({ labels: withLabel(s.labels, PART_LABEL, tag), t: s.t, v: s.v }));
      }
      let samples = 0;
      for (const s of series) samples += s.t.length;
      ctx.stats.bytesFetched += bytes;
      for (const w of warnings) {
        if (w.startsWith('PromQL info: ')) this.infos.add(w);
        else ctx.warn(w);
      }
      st.leaves.push({ leafId, ranges: ranges.map((r) => r.id ?? ''), series: series.length, samples, bytes, ms: performance.now() - t0 });
      return merger ? [] : series;
    });
    const merged = merger ? merger.result() : parts.length === 1 ? parts[0]! : mergeSeriesSets(parts);
    for (const l of st.leaves) {
      st.series += l.series;
      st.samples += l.samples;
      st.bytes += l.bytes;
    }
    ctx.stats.seriesFetched += st.series;
    ctx.stats.samplesFetched += st.samples;
    const out = merged.map((s) => onGrid(s, grid.times));
    st.ms = performance.now() - started;
    return out;
  }
}
