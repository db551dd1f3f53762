/**
 * One tenant's series: the postings index, and per series its labels, target key and its
 * storage-engine series (`MemSeries`: head columns + sealed chunks, read through a
 * `SeriesReader` that also decodes persisted blocks). Reads are scoped to key spans (the ranges
 * named in a request): a series whose target key lies outside every span is invisible to that
 * read. Series are added by the engine's onSeries hook (writes and recovery alike).
 */
import {
  compareLabels,
  labelsKey,
  spanContains,
  type Key,
  type KeySpan,
  type LabelHints,
  type Labels,
  type Matcher,
  type Querier,
  type SelectHints,
  type Series,
  type SeriesSet,
} from '../model/index.js';
import type { MemSeries } from './storage/index.js';
import { PostingsIndex } from './store-postings.js';

/** Reads one engine series (decoding only chunks overlapping the window). */
export interface SeriesReader {
  readSeries(s: MemSeries, start: number, end: number, labelsOnly: boolean): Series | undefined;
  seriesStats(s: MemSeries): { samples: number; bytes: number; minT: number; maxT: number };
}

export interface StoreStats {
  series: number;
  samples: number;
  /**
   * Bytes held for samples (sealed chunk bytes with their per-chunk overhead, persisted block
   * columns, head column capacity) plus label text (UTF-16), approximate.
   */
  bytes: number;
  /** Earliest / latest sample time, ms; Infinity / -Infinity when there is no sample. */
  minTimeMs: number;
  maxTimeMs: number;
}

export class TenantStore {
  readonly tenant: string;
  private readonly index = new PostingsIndex();
  private readonly byLabels = new Map<string, number>();
  readonly labels: Labels[] = [];
  readonly keys: Key[] = [];
  /** The engine series of each id. */
  readonly series: MemSeries[] = [];
  private readonly labelBytes: number[] = [];

  constructor(tenant: string, private readonly reader: SeriesReader) {
    this.tenant = tenant;
  }

  get seriesCount(): number {
    return this.labels.length;
  }

  /** The id of the series with exactly these labels, or undefined. */
  lookup(labels: Labels): number | undefined {
    return this.byLabels.get(labelsKey(labels));
  }

  /** Indexes a new engine series under its target key; returns its id (dense, in order). */
  add(s: MemSeries, key: Key): number {
    const id = this.labels.length;
    this.byLabels.set(s.key, id);
    this.labels.push(s.labels);
    this.keys.push(key);
    this.series.push(s);
    this.labelBytes.push(s.key.length);
    this.index.add(id, s.labels);
    return id;
  }

  /** Samples of series `id` in [start, end] (decoded copies), or undefined when there are none. */
  read(id: number, start = -Infinity, end = Infinity): Series | undefined {
    return this.reader.readSeries(this.series[id]!, start, end, false);
  }

  /** Samples held for series `id` (0 after a range drop). */
  count(id: number): number {
    return this.reader.seriesStats(this.series[id]!).samples;
  }

  /**
   * Ids (ascending) of series matching all matchers whose key lies in one of `spans`
   * (undefined = every key of the tenant).
   */
  selectIds(matchers: readonly Matcher[], spans: readonly KeySpan[] | undefined): number[] {
    const ids = this.index.select(matchers);
    return spans === undefined ? ids : ids.filter((id) => inSpans(this.keys[id]!, spans));
  }

  /**
   * Sorted (by labels) series matching the matchers with samples in [start, end]: decoded from
   * the chunks overlapping the window (the caller owns the arrays); labels only when asked.
   */
  selectSeries(matchers: readonly Matcher[], spans: readonly KeySpan[] | undefined, start: number, end: number, labelsOnly = false): Series[] {
    const out: Series[] = [];
    for (const id of this.selectIds(matchers, spans)) {
      const r = this.reader.readSeries(this.series[id]!, start, end, labelsOnly);
      if (r) out.push(r);
    }
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /** Label names of matching series in spans with samples in the window (all when unrestricted). */
  labelNames(spans: readonly KeySpan[] | undefined, hints: LabelHints): string[] {
    if (this.unrestricted(spans, hints)) return applyLimit(this.index.labelNames(), hints.limit);
    const names = new Set<string>();
    for (const id of this.hintedIds(spans, hints)) for (const l of this.labels[id]!) names.add(l.name);
    return applyLimit([...names].sort(), hints.limit);
  }

  labelValues(name: string, spans: readonly KeySpan[] | undefined, hints: LabelHints): string[] {
    if (this.unrestricted(spans, hints)) return applyLimit(this.index.labelValues(name), hints.limit);
    const values = new Set<string>();
    for (const id of this.hintedIds(spans, hints)) {
      for (const l of this.labels[id]!) if (l.name === name) values.add(l.value);
    }
    return applyLimit([...values].sort(), hints.limit);
  }

  /** A `Querier` over this tenant's series in the given spans. */
  querier(spans: readonly KeySpan[] | undefined): Querier {
    return {
      select: async (matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet> =>
        this.selectSeries(matchers, spans, hints.start, hints.end, hints.labelsOnly === true),
      labelNames: async (hints: LabelHints) => this.labelNames(spans, hints),
      labelValues: async (name: string, hints: LabelHints) => this.labelValues(name, spans, hints),
    };
  }

  stats(spans: readonly KeySpan[] | undefined): StoreStats {
    const st: StoreStats = { series: 0, samples: 0, bytes: 0, minTimeMs: Infinity, maxTimeMs: -Infinity };
    for (let id = 0; id < this.series.length; id++) {
      if (spans !== undefined && !inSpans(this.keys[id]!, spans)) continue;
      const h = this.reader.seriesStats(this.series[id]!);
      if (h.samples === 0) continue; // emptied by a range drop (LeafStore.dropSpan)
      st.series++;
      st.samples += h.samples;
      st.bytes += h.bytes + this.labelBytes[id]! * 2;
      if (h.minT < st.minTimeMs) st.minTimeMs = h.minT;
      if (h.maxT > st.maxTimeMs) st.maxTimeMs = h.maxT;
    }
    return st;
  }

  private unrestricted(spans: readonly KeySpan[] | undefined, hints: LabelHints): boolean {
    return spans === undefined && (hints.matchers === undefined || hints.matchers.length === 0) && hints.start === undefined && hints.end === undefined;
  }

  private hintedIds(spans: readonly KeySpan[] | undefined, hints: LabelHints): number[] {
    const ids = this.selectIds(hints.matchers ?? [], spans);
    if (hints.start === undefined && hints.end === undefined) return ids;
    const start = hints.start ?? -Infinity;
    const end = hints.end ?? Infinity;
    return ids.filter((id) => this.reader.readSeries(this.series[id]!, start, end, true) !== undefined);
  }
}

export function inSpans(key: Key, spans: readonly KeySpan[]): boolean {
  for (const s of spans) if (spanContains(s, key)) return true;
  return false;
}

function applyLimit(xs: string[], limit: number | undefined): string[] {
  return limit !== undefined && limit > 0 && xs.length > limit ? xs.slice(0, limit) : xs;
}
