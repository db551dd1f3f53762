/**
 * The fan-out of one selector: which ranges can hold its series (key spans from equality
 * matchers ∩ the range table), which leaf reads each range (ordered read replicas, healthy
 * first) and the resulting per-leaf groups. Pure: same inputs, same plan.
 *
 * Stable names (used by Explain, logs and golden tests):
 *  - `targeted`: the spans fix at least the first target label;
 *  - `scatter`: every range of the tenant is read;
 *  - `none`: the matchers contradict each other, nothing is read.
 */
import { compareKeys, formatKey, formatMatcher, KeyEncoder, METRIC_NAME, type Key, type KeySpan, type Matcher } from '../model/index.js';
import { readReplicas, type RangeAssignment, type RangeTable } from '../shard/index.js';
import { keySpansFor } from './key-spans.js';
import { pruneByHint, pruneByTime, type HintPruner } from './prune-hints.js';

export type FanoutKind = 'targeted' | 'scatter' | 'none';

export interface FanoutContext {
  readonly tenant: string;
  readonly encoder: KeyEncoder;
  readonly table: RangeTable;
  /** Last known leaf health: false = known down (ranked last); undefined/true = usable. */
  readonly leafUp?: (leafId: string) => boolean | undefined;
  /** Field-hint pruning after range pruning (src/planner/prune-hints.ts); absent = none. */
  readonly hints?: HintPruner | undefined;
  /** The selector's data window (ms, inclusive) for time pruning; absent = no time pruning. */
  readonly window?: { readonly startMs: number; readonly endMs: number } | undefined;
}

/** One range to read: its read replicas, best first (the first is the primary). */
export interface RangeRoute {
  readonly rangeId: string;
  readonly start: Key;
  readonly end: Key;
  readonly epoch: number;
  /** Ordered read replicas; empty when no replica can serve reads (the range is unavailable). */
  readonly replicas: readonly string[];
}

/** The ranges sent to one leaf in one request. */
export interface LeafGroup {
  readonly leafId: string;
  readonly rangeIds: readonly string[];
}

export interface SelectorFanout {
  /** The selector as PromQL (`up{job="api"}`). */
  readonly selector: string;
  readonly matchers: readonly Matcher[];
  readonly kind: FanoutKind;
  readonly spans: readonly KeySpan[];
  readonly why: readonly string[];
  /** Ranges to read, in key order. */
  readonly ranges: readonly RangeRoute[];
  /** Ranges grouped by primary leaf, leaves in order of first range. */
  readonly groups: readonly LeafGroup[];
  /** Ranges of the tenant left out because they cannot hold matching series. */
  readonly prunedByRange: number;
  /** Ranges left out by the field-hint index (after range pruning), by id. */
  readonly prunedByHint?: readonly string[];
  /** Ranges left out by time (no replica holds samples in the window), by id. */
  readonly prunedByTime?: readonly string[];
  /** Explain: the candidates after each pruning stage. */
  readonly stages?: readonly string[];
}

export function formatSelector(matchers: readonly Matcher[]): string {
  const name = matchers.find((m) => m.name === METRIC_NAME && m.type === '=');
  const inner = matchers
    .filter((m) => m !== name)
    .map(formatMatcher)
    .join(', ');
  if (name) return inner ? `${name.value}{${inner}}` : name.value;
  return `{${inner}}`;
}

/** Read replicas of a range, known-down leaves moved last (stable otherwise). */
export function rankReplicas(r: RangeAssignment, leafUp?: (leafId: string) => boolean | undefined): string[] {
  const ids = readReplicas(r);
  if (!leafUp) return ids;
  return [...ids.filter((id) => leafUp(id) !== false), ...ids.filter((id) => leafUp(id) === false)];
}

export function planSelector(matchers: readonly Matcher[], ctx: FanoutContext): SelectorFanout {
  const { spans: rawSpans, depth, why } = keySpansFor(ctx.tenant, matchers, ctx.encoder);
  const spans = [...rawSpans].sort((a, b) => compareKeys(a.start, b.start));
  const tenantRanges = ctx.table.overlapping(ctx.encoder.tenantSpan(ctx.tenant));
  const chosen = new Map<string, RangeAssignment>();
  for (const s of spans) for (const r of ctx.table.overlapping(s)) chosen.set(r.id, r);
  const ordered = [...chosen.values()].sort((a, b) => compareKeys(a.start, b.start));
  const routes: RangeRoute[] = ordered.map((r) => ({
    rangeId: r.id,
    start: r.start,
    end: r.end,
    epoch: r.epoch,
    replicas: rankReplicas(r, ctx.leafUp),
  }));
  const kind: FanoutKind = spans.length === 0 ? 'none' : depth === 0 ? 'scatter' : 'targeted';
  const prunedByRange = tenantRanges.filter((r) => !chosen.has(r.id)).length;
  const stages = [`range: ${tenantRanges.length} ranges of the tenant → ${routes.length} kept`];
  const hint = ctx.hints && routes.length > 0 ? pruneByHint(routes, ctx.tenant, matchers, ctx.hints) : undefined;
  const afterHint = hint ? hint.kept : routes;
  if (hint) stages.push(...hint.explain);
  const time = ctx.hints && ctx.window && afterHint.length > 0 ? pruneByTime(afterHint, ctx.tenant, ctx.window, ctx.hints) : undefined;
  let ranges = time ? time.kept : afterHint;
  if (time) stages.push(...time.explain);
  let byHint = hint?.pruned ?? [];
  let byTime = time?.pruned ?? [];
  if (ranges.length === 0 && routes.length > 0) {
    // Everything pruned by hint/time: still read one range (an up replica first) so the query is
    // evaluated like single-node — its errors and annotations do not depend on data existing.
    const keep = routes.find((r) => r.replicas.length > 0 && ctx.leafUp?.(r.replicas[0]!) !== false) ?? routes[0]!;
    ranges = [keep];
    byHint = byHint.filter((id) => id !== keep.rangeId);
    byTime = byTime.filter((id) => id !== keep.rangeId);
    stages.push(`all pruned: ${keep.rangeId} read anyway (evaluation errors and annotations as single-node)`);
  }
  return { selector: formatSelector(matchers), matchers, kind, spans, why, ranges, groups: groupByLeaf(ranges), prunedByRange, prunedByHint: byHint, prunedByTime: byTime, stages };
}

/** Groups ranges by their primary (first) replica; ranges without replicas are left out. */
export function groupByLeaf(ranges: readonly RangeRoute[], pick: (r: RangeRoute) => string | undefined = (r) => r.replicas[0]): LeafGroup[] {
  const groups = new Map<string, string[]>();
  for (const r of ranges) {
    const leaf = pick(r);
    if (leaf === undefined) continue;
    let g = groups.get(leaf);
    if (!g) groups.set(leaf, (g = []));
    g.push(r.rangeId);
  }
  return [...groups].map(([leafId, rangeIds]) => ({ leafId, rangeIds }));
}

/** A range as `r1 ["default"/"j", "default"/"r")`. */
export function formatRange(r: { rangeId: string; start: Key; end: Key }): string {
  return `${r.rangeId} [${r.start.length === 0 ? '-∞' : formatKey(r.start)}, ${formatKey(r.end)})`;
}
