/**
 * The gateway's `Querier`: the engine asks it for series by matchers and time window; it plans
 * that selector's fan-out, sends a raw `SelectorFragment` scoped to each leaf's ranges, decodes
 * the Arrow batches, and merges what the leaves returned. Health and stats go to the query's
 * context. Label names/values and the Series API go the same way through the leaves' label RPCs.
 */
import type { LabelHints, Labels, Matcher, Querier, SelectHints, Series, SeriesSet } from '../model/index.js';
import { compareLabels, labelsKey } from '../model/index.js';
import type { LabelMatcher } from '../rpc/gen/canopy/v1/LabelMatcher.js';
import { fragmentIdOf, planSelector, type SelectorFanout } from '../planner/index.js';
import { executeFanout } from './fanout-exec.js';
import type { FragmentRunner } from './pushdown-exec.js';
import type { GatewayMetrics } from './metrics.js';
import type { QueryContext } from './query-context.js';
import { mergeSeriesSets, mergeStrings } from './series-merge.js';
import type { Topology } from './topology.js';
import { hintsOf } from './hint-state.js';

/** Largest |time| we send (Prometheus's max time, ms); hints may be ±Infinity. */
const MAX_TIME = 8.64e15;

const MATCH_TYPE = { '=': 'EQ', '!=': 'NEQ', '=~': 'RE', '!~': 'NRE' } as const;

export function matchersToProto(ms: readonly Matcher[]): LabelMatcher[] {
  return ms.map((m) => ({ type: MATCH_TYPE[m.type], name: m.name, value: m.value }));
}

function clampTime(t: number | undefined, fallback: number): number {
  if (t === undefined || Number.isNaN(t)) return fallback;
  return Math.max(-MAX_TIME, Math.min(MAX_TIME, t < 0 ? Math.floor(t) : Math.ceil(t)));
}

export class RemoteQuerier implements Querier {
  constructor(
    private readonly ctx: QueryContext,
    private readonly topology: Topology,
    private readonly metrics: GatewayMetrics,
    /** Runs the plan's fragments: selectors naming a fragment are answered by it (pushdown). */
    private readonly fragments?: FragmentRunner,
  ) {}

  /** `window`: the data window read (time pruning); absent = none. */
  plan(matchers: readonly Matcher[], window?: { startMs: number; endMs: number }): SelectorFanout {
    return planSelector(matchers, { tenant: this.ctx.tenant, encoder: this.topology.encoder, table: this.ctx.table, leafUp: this.topology.leafUp, hints: hintsOf(this.topology), window });
  }

  async select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> {
    const { ctx } = this;
    const fragmentId = fragmentIdOf(matchers);
    if (fragmentId !== undefined && this.fragments?.has(fragmentId)) return this.fragments.select(fragmentId, hints);
    const start = clampTime(Math.floor(hints.start), -MAX_TIME);
    const end = clampTime(Math.ceil(hints.end), MAX_TIME);
    const fanout = this.plan(matchers, { startMs: start, endMs: end });
    const parts = await executeFanout(ctx, this.topology, this.metrics, fanout, 'execute', async (client, ranges) => {
      const out: Series[] = [];
      let bytes = 0;
      const stream = client.execute(
        {
          tenant: ctx.tenant,
          queryId: ctx.id,
          ranges,
          maxSamples: ctx.maxSamplesPerLeaf,
          fragment: { selector: { matchers: matchersToProto(matchers), startMs: start, endMs: end, raw: true, labelsOnly: hints.labelsOnly ?? false } },
        },
        { signal: ctx.signal, deadlineMs: ctx.deadline },
      );
      const warnings: string[] = [];
      for await (const ev of stream) {
        if (ev.kind === 'batch') {
          for (const s of ev.series) out.push(s);
          bytes += ev.bytes;
        } else if (ev.kind === 'warning') warnings.push(ev.message);
      }
      // Only a completed stream counts: its bytes and warnings are taken now.
      ctx.stats.bytesFetched += bytes;
      for (const w of warnings) ctx.warn(w);
      return out;
    });
    const merged = mergeSeriesSets(parts);
    ctx.stats.seriesFetched += merged.length;
    for (const s of merged) ctx.stats.samplesFetched += s.t.length;
    return merged;
  }

  async labelNames(hints: LabelHints): Promise<string[]> {
    return this.labels('labelNames', '', hints);
  }

  async labelValues(name: string, hints: LabelHints): Promise<string[]> {
    return this.labels('labelValues', name, hints);
  }

  /** Label sets of the series matching any of the selectors (the Series API). */
  async series(selectors: readonly (readonly Matcher[])[], startMs: number | undefined, endMs: number | undefined, limit = 0): Promise<Labels[]> {
    const parts = await Promise.all(
      selectors.map((ms) =>
        executeFanout(this.ctx, this.topology, this.metrics, this.plan(ms), 'series', (client, ranges) =>
          client.series(
            { tenant: this.ctx.tenant, selectors: [{ matchers: matchersToProto(ms) }], startMs: startMs ?? 0, endMs: endMs ?? 0, ranges, limit },
            { signal: this.ctx.signal, deadlineMs: this.ctx.deadline },
          ),
        ),
      ),
    );
    const byKey = new Map<string, Labels>();
    for (const perSelector of parts) for (const perLeaf of perSelector) for (const ls of perLeaf) byKey.set(labelsKey(ls), ls);
    const out = [...byKey.values()].sort(compareLabels);
    return limit > 0 ? out.slice(0, limit) : out;
  }

  /** Label names or values; several selectors (match[]) are a union. */
  async labelsFor(method: 'labelNames' | 'labelValues', name: string, selectors: readonly (readonly Matcher[])[], startMs?: number, endMs?: number, limit = 0): Promise<string[]> {
    const lists = selectors.length > 0 ? selectors : [[]];
    const parts = await Promise.all(
      lists.map((ms) =>
        executeFanout(this.ctx, this.topology, this.metrics, this.plan(ms), method, (client, ranges) => {
          const req = {
            tenant: this.ctx.tenant,
            name,
            selectors: ms.length > 0 ? [{ matchers: matchersToProto(ms) }] : [],
            startMs: startMs ?? 0,
            endMs: endMs ?? 0,
            ranges,
            limit,
          };
          const opts = { signal: this.ctx.signal, deadlineMs: this.ctx.deadline };
          return method === 'labelNames' ? client.labelNames(req, opts) : client.labelValues(req, opts);
        }),
      ),
    );
    return mergeStrings(parts.flat(), limit);
  }

  private labels(method: 'labelNames' | 'labelValues', name: string, hints: LabelHints): Promise<string[]> {
    const selectors = hints.matchers && hints.matchers.length > 0 ? [hints.matchers] : [];
    return this.labelsFor(method, name, selectors, hints.start, hints.end, hints.limit ?? 0);
  }
}
