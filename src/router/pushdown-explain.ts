/**
 * Explain of a distributed query: the plan tree with its fragments, for each fragment the grid
 * it is evaluated on, the exact data window its selectors read (range + lookback + offset +
 * subquery span, found by running the engine's own prefetch over a recording querier), the
 * ranges and leaves it goes to; raw selectors likewise. With analyze, the query is executed and
 * the actual series, samples, bytes and milliseconds per fragment and per leaf, and per stage,
 * are added. Stable words: `Plan:`, `Fragment`, `Grid:`, `Window:`, `Fanout:`, `Leaves:`,
 * `Analyze:`, `Stages:`.
 */
import { Engine, DEFAULT_ENGINE_OPTIONS, type EngineOptions } from '../engine/index.js';
import type { LabelHints, Matcher, Querier, SelectHints, SeriesSet } from '../model/index.js';
import { formatRange, fragmentIdOf, planSelector, type DistributedPlan, type PlanFragment, type SelectorFanout, describeTree, distributedPlanToProto, formatSelector } from '../planner/index.js';
import { parse } from '../promql/index.js';
import { fragmentGrid, unionFanout, type FragmentStats } from './pushdown-exec.js';
import type { QueryRun } from './query-exec.js';
import type { Topology } from './topology.js';
import { hintsOf } from './hint-state.js';
import type { RangeTable } from '../shard/index.js';

/** Records the select() calls of an evaluation and answers nothing. */
class RecordingQuerier implements Querier {
  readonly calls: { matchers: readonly Matcher[]; hints: SelectHints }[] = [];
  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> {
    this.calls.push({ matchers, hints });
    return [];
  }
  async labelNames(_h: LabelHints): Promise<string[]> {
    return [];
  }
  async labelValues(_n: string, _h: LabelHints): Promise<string[]> {
    return [];
  }
}

export type EvalSpec = { kind: 'instant'; timeMs: number } | { kind: 'range'; startMs: number; endMs: number; stepMs: number };

interface Window {
  selector: string;
  startMs: number;
  endMs: number;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

async function record(engine: Engine, expr: string | ReturnType<typeof parse>, spec: EvalSpec): Promise<RecordingQuerier> {
  const q = new RecordingQuerier();
  if (spec.kind === 'instant') await engine.instant(q, expr, spec.timeMs);
  else await engine.range(q, expr, spec.startMs, spec.endMs, spec.stepMs);
  return q;
}

export interface ExplainDeps {
  topology: Topology;
  table: RangeTable;
  tenant: string;
  engine: EngineOptions;
}

export interface FragmentExplain {
  fragment: PlanFragment;
  grid: { startMs: number; endMs: number; stepMs: number };
  windows: Window[];
  fanout: SelectorFanout;
}

/** Grids, windows and fan-outs of a plan's fragments and raw selectors (no data is read). */
export async function explainPlan(plan: DistributedPlan, spec: EvalSpec, d: ExplainDeps): Promise<{ fragments: FragmentExplain[]; raw: { fanout: SelectorFanout; window: Window }[] }> {
  const engine = new Engine(d.engine);
  const lookback = d.engine.lookbackDeltaMs ?? DEFAULT_ENGINE_OPTIONS.lookbackDeltaMs;
  const top = await record(engine, plan.root, spec);
  const fctx = { tenant: d.tenant, encoder: d.topology.encoder, table: d.table, leafUp: d.topology.leafUp, hints: hintsOf(d.topology) };
  const fragments: FragmentExplain[] = [];
  const raw: { fanout: SelectorFanout; window: Window }[] = [];
  const byId = new Map(plan.fragments.map((f) => [f.id, f]));
  const seen = new Set<string>();
  for (const c of top.calls) {
    const id = fragmentIdOf(c.matchers);
    const f = id === undefined ? undefined : byId.get(id);
    if (!f) {
      const fanout = planSelector(c.matchers, { ...fctx, window: { startMs: Math.floor(c.hints.start), endMs: Math.ceil(c.hints.end) } });
      raw.push({ fanout, window: { selector: fanout.selector, startMs: c.hints.start, endMs: c.hints.end } });
      continue;
    }
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    const g = fragmentGrid(f, c.hints, lookback);
    const inner = await record(engine, f.expr, g.stepMs > 0 ? { kind: 'range', startMs: g.startMs, endMs: g.endMs, stepMs: g.stepMs } : { kind: 'instant', timeMs: g.endMs });
    const windows = inner.calls.map((x) => ({ selector: formatSelector(x.matchers), startMs: x.hints.start, endMs: x.hints.end }));
    const fanout = unionFanout(f.selectors.map((s) => planSelector(s.matchers, fctx)));
    fragments.push({ fragment: f, grid: { startMs: g.startMs, endMs: g.endMs, stepMs: g.stepMs }, windows, fanout });
  }
  return { fragments, raw };
}

function fanoutLines(f: SelectorFanout, indent: string): string[] {
  const lines = [`${indent}Fanout: ${f.kind}, ${f.ranges.length} ranges read, ${f.prunedByRange} pruned by range, ${f.prunedByHint?.length ?? 0} pruned by hint, ${f.prunedByTime?.length ?? 0} pruned by time`];
  for (const w of f.why) lines.push(`${indent}  Why: ${w}`);
  for (const s of f.stages ?? []) lines.push(`${indent}  Prune: ${s}`);
  for (const r of f.ranges) lines.push(`${indent}  ${formatRange(r)} → ${r.replicas[0] ?? 'unavailable (no readable replica)'}`);
  if (f.groups.length > 0) lines.push(`${indent}Leaves: ${f.groups.map((g) => `${g.leafId} [${g.rangeIds.join(', ')}]`).join('; ')}`);
  return lines;
}

/** Explain text and JSON (analyze adds the run's per-fragment stats and stage timings). */
export async function explainText(plan: DistributedPlan, spec: EvalSpec, d: ExplainDeps, run?: QueryRun): Promise<{ text: string; json: Record<string, unknown> }> {
  const ex = await explainPlan(plan, spec, d);
  const lines = ['Plan:', ...describeTree(plan.tree, '  ')];
  const stats = new Map<string, FragmentStats>((run?.fragments.stats ?? []).map((s) => [s.id, s]));
  for (const f of ex.fragments) {
    const fr = f.fragment;
    lines.push(`Fragment ${fr.id} ${fr.variant} ${fr.state}: ${fr.promql}`);
    lines.push(`  Grid: ${f.grid.stepMs > 0 ? `[${iso(f.grid.startMs)}, ${iso(f.grid.endMs)}] step ${f.grid.stepMs}ms` : `instant at ${iso(f.grid.endMs)}`}`);
    for (const w of f.windows) lines.push(`  Window: ${w.selector} [${iso(w.startMs)}, ${iso(w.endMs)}] (${Math.round((w.endMs - w.startMs) / 1000)}s)`);
    lines.push(...fanoutLines(f.fanout, '  '));
    const st = stats.get(fr.id);
    if (st) {
      lines.push(`  Analyze: ${st.series} series, ${st.samples} samples, ${st.bytes} bytes in ${st.ms.toFixed(1)} ms`);
      for (const l of st.leaves) lines.push(`    ${l.leafId} [${l.ranges.join(', ')}]: ${l.series} series, ${l.samples} samples, ${l.bytes} bytes, ${l.ms.toFixed(1)} ms`);
    }
  }
  for (const r of ex.raw) {
    lines.push(`Selector ${r.fanout.selector} (raw series)`);
    lines.push(`  Window: [${iso(r.window.startMs)}, ${iso(r.window.endMs)}] (${Math.round((r.window.endMs - r.window.startMs) / 1000)}s)`);
    lines.push(...fanoutLines(r.fanout, '  '));
  }
  const json: Record<string, unknown> = {
    plan: distributedPlanToProto(plan),
    fragments: ex.fragments.map((f) => ({
      id: f.fragment.id,
      grid: f.grid,
      windows: f.windows,
      fanout: f.fanout.kind,
      prune: { byRange: f.fanout.prunedByRange, byHint: f.fanout.prunedByHint ?? [], byTime: f.fanout.prunedByTime ?? [], stages: f.fanout.stages ?? [] },
      leaves: f.fanout.groups.map((g) => ({ leaf: g.leafId, ranges: [...g.rangeIds] })),
      ...(stats.get(f.fragment.id) ? { analyze: stats.get(f.fragment.id) } : {}),
    })),
    rawSelectors: ex.raw.map((r) => ({ selector: r.fanout.selector, window: r.window, fanout: r.fanout.kind, prune: { byRange: r.fanout.prunedByRange, byHint: r.fanout.prunedByHint ?? [], byTime: r.fanout.prunedByTime ?? [], stages: r.fanout.stages ?? [] }, leaves: r.fanout.groups.map((g) => ({ leaf: g.leafId, ranges: [...g.rangeIds] })) })),
  };
  if (run) {
    const s = run.ctx.stats;
    lines.push(`Stages: plan ${run.stages.planMs.toFixed(1)} ms, fan-out + evaluation ${run.stages.execMs.toFixed(1)} ms; ${s.seriesFetched} series, ${s.samplesFetched} samples, ${s.bytesFetched} bytes received`);
    json.stages = run.stages;
  }
  return { text: lines.join('\n'), json };
}
