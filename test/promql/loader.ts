/**
 * The runner's storage (FORMAT.md §3): accumulates `load` blocks until `clear`, and snapshots the
 * float samples as `Series[]` for a target. Native-histogram samples are not stored (Canopy's
 * storage is float-only); the label sets of series that had them — including the base-name series
 * that `load_with_nhcb` would synthesise — are remembered so evals touching them can be classified.
 */
import { compareLabels, isStaleNaN, labelsKey, STALE_NAN, type Label, type Labels, type Series } from '../../src/model/index.js';
import { FLOAT, HISTOGRAM } from './dsl-series.js';
import type { LoadCmd } from './script-types.js';

interface Column {
  labels: Labels;
  t: number[];
  v: number[];
  /** 1 where the value is the stale marker: a number[] may canonicalise NaN payloads. */
  stale: number[];
}

export class ScriptStorage {
  private readonly floats = new Map<string, Column>();
  private readonly histograms = new Map<string, Labels>();
  private snapshotCache: Series[] | null = null;

  clear(): void {
    this.floats.clear();
    this.histograms.clear();
    this.snapshotCache = null;
  }

  load(cmd: LoadCmd): void {
    this.snapshotCache = null;
    for (const s of cmd.series) {
      const key = labelsKey(s.labels);
      const { kinds, v } = s.values;
      let col = this.floats.get(key);
      for (let i = 0; i < kinds.length; i++) {
        const k = kinds[i]!;
        if (k === HISTOGRAM) {
          this.histograms.set(key, s.labels);
        } else if (k === FLOAT) {
          if (!col) this.floats.set(key, (col = { labels: s.labels, t: [], v: [], stale: [] }));
          col.t.push(i * cmd.stepMs);
          col.v.push(v[i]!);
          col.stale.push(isStaleNaN(v[i]!) ? 1 : 0);
        }
      }
    }
    if (cmd.withNhcb) for (const l of nhcbBaseLabels(cmd)) this.histograms.set(labelsKey(l), l);
  }

  /** Label sets of series holding native-histogram samples (not present in `snapshot()`). */
  histogramSeries(): Labels[] {
    return [...this.histograms.values()];
  }

  /** Float samples of every series, sorted by labels, each with strictly increasing timestamps. */
  snapshot(): Series[] {
    if (this.snapshotCache) return this.snapshotCache;
    const out: Series[] = [];
    for (const c of this.floats.values()) {
      const idx = c.t.map((_, i) => i);
      // Blocks are additive; a later block may (in principle) re-write a timestamp: last wins.
      idx.sort((a, b) => c.t[a]! - c.t[b]! || a - b);
      const t: number[] = [];
      const v: number[] = [];
      const stale: number[] = [];
      for (const i of idx) {
        if (t.length > 0 && t[t.length - 1] === c.t[i]) (v[v.length - 1] = c.v[i]!), (stale[stale.length - 1] = c.stale[i]!);
        else t.push(c.t[i]!), v.push(c.v[i]!), stale.push(c.stale[i]!);
      }
      out.push({ labels: c.labels, t: Float64Array.from(t), v: copyValues(v, stale) });
    }
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    return (this.snapshotCache = out);
  }
}

/** Values column with the stale markers written bit-exactly. */
function copyValues(v: number[], stale: number[]): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = stale[i] ? STALE_NAN : v[i]!;
  return out;
}

/** FORMAT.md §3.2: the base identities `load_with_nhcb` synthesises NHCB series for. */
export function nhcbBaseLabels(cmd: LoadCmd): Labels[] {
  const out = new Map<string, Labels>();
  for (const s of cmd.series) {
    const name = s.labels.find((l) => l.name === '__name__')?.value ?? '';
    const suffix = ['_bucket', '_sum', '_count'].find((x) => name.endsWith(x));
    if (!suffix) continue;
    if (suffix === '_bucket') {
      const le = s.labels.find((l) => l.name === 'le');
      if (!le || Number.isNaN(Number(le.value.replace(/^\+?inf$/i, 'Infinity')))) continue;
    }
    const base: Label[] = s.labels
      .filter((l) => l.name !== 'le')
      .map((l) => (l.name === '__name__' ? { name: l.name, value: name.slice(0, -suffix.length) } : l));
    out.set(labelsKey(base), base);
  }
  return [...out.values()];
}

