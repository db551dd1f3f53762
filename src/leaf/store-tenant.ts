/**
 * One tenant's series: the postings index, and per series its labels, target key and head
 * columns. Reads are scoped to key spans (the ranges named in a request): a series whose target
 * key lies outside every span is invisible to that read.
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
import { SeriesHead } from './store-head.js';
import { PostingsIndex } from './store-postings.js';

export interface StoreStats {
  series: number;
  samples: number;
  /** Bytes held by sample columns (capacity) plus label text, approximate. */
  bytes: number;
  /** Earliest / latest sample time, ms; Infinity / -Infinity when there is no sample. */
  minTimeMs: number;
  maxTimeMs: number;
}

const EMPTY = new Float64Array(0);

export class TenantStore {
  readonly tenant: string;
  private readonly index = new PostingsIndex();
  private readonly byLabels = new Map<string, number>();
  readonly labels: Labels[] = [];
  readonly keys: Key[] = [];
  readonly heads: SeriesHead[] = [];
  private readonly labelBytes: number[] = [];

  constructor(tenant: string) {
    this.tenant = tenant;
  }

  get seriesCount(): number {
    return this.labels.length;
  }

  /** The id of the series with exactly these labels, or undefined. */
  lookup(labels: Labels): number | undefined {
    return this.byLabels.get(labelsKey(labels));
  }

  /** The id of the series, created (with its target key) when new. Labels must be valid. */
  getOrCreate(labels: Labels, key: Key, lk = labelsKey(labels)): number {
    let id = this.byLabels.get(lk);
    if (id !== undefined) return id;
    id = this.labels.length;
    this.byLabels.set(lk, id);
    this.labels.push(labels);
    this.keys.push(key);
    this.heads.push(new SeriesHead());
    this.labelBytes.push(lk.length);
    this.index.add(id, labels);
    return id;
  }

  /**
   * Ids (ascending) of series matching all matchers whose key lies in one of `spans`
   * (undefined = every key of the tenant).
   */
  selectIds(matchers: readonly Matcher[], spans: readonly KeySpan[] | undefined): number[] {
    const ids = this.index.select(matchers);
    return spans === undefined ? ids : ids.filter((id) => inSpans(this.keys[id]!, spans));
  }

  /** Sorted (by labels) series matching the matchers, with zero-copy views of samples in [start, end]. */
  selectSeries(matchers: readonly Matcher[], spans: readonly KeySpan[] | undefined, start: number, end: number, labelsOnly = false): Series[] {
    const out: Series[] = [];
    for (const id of this.selectIds(matchers, spans)) {
      const h = this.heads[id]!;
      const [lo, hi] = h.window(start, end);
      if (hi <= lo) continue;
      if (labelsOnly) out.push({ labels: this.labels[id]!, t: EMPTY, v: EMPTY });
      else out.push({ labels: this.labels[id]!, t: h.t.subarray(lo, hi), v: h.v.subarray(lo, hi) });
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
    for (let id = 0; id < this.heads.length; id++) {
      if (spans !== undefined && !inSpans(this.keys[id]!, spans)) continue;
      const h = this.heads[id]!;
      st.series++;
      st.samples += h.n;
      st.bytes += h.bytes + this.labelBytes[id]! * 2;
      if (h.n > 0) {
        if (h.minT < st.minTimeMs) st.minTimeMs = h.minT;
        if (h.lastT > st.maxTimeMs) st.maxTimeMs = h.lastT;
      }
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
    return ids.filter((id) => {
      const [lo, hi] = this.heads[id]!.window(start, end);
      return hi > lo;
    });
  }
}

export function inSpans(key: Key, spans: readonly KeySpan[]): boolean {
  for (const s of spans) if (spanContains(s, key)) return true;
  return false;
}

function applyLimit(xs: string[], limit: number | undefined): string[] {
  return limit !== undefined && limit > 0 && xs.length > limit ? xs.slice(0, limit) : xs;
}
