/**
 * Shared helpers over columnar vectors: metric-name dropping (immediate or delayed), merging of
 * series that end up with the same label set, label formatting as Prometheus prints it.
 */
import { ExecutionError, labelsKey, METRIC_NAME, type Labels } from '../model/index.js';

/** Dropping the name drops the metadata labels with it (Prometheus `DropReserved(IsMetadataLabel)`). */
export function dropMetricName(labels: Labels): Labels {
  return labels.filter((l) => l.name !== METRIC_NAME && l.name !== '__type__' && l.name !== '__unit__');
}
import type { EvalContext, VSeries } from './types.js';

export const SAME_LABELSET = 'vector cannot contain metrics with the same labelset';

/** Marks every series' `__name__` for removal (delayed mode) or removes it now. */
export function dropNames(ctx: EvalContext, series: VSeries[]): VSeries[] {
  if (ctx.delayedNameRemoval) return series.map((s) => (s.dropName ? s : { ...s, dropName: true }));
  return mergeSameLabels(series.map((s) => ({ ...s, labels: dropMetricName(s.labels), dropName: false })));
}

/** Applies pending name removal (end of query). */
export function applyDropNames(series: VSeries[]): VSeries[] {
  let any = false;
  for (const s of series) if (s.dropName) any = true;
  if (!any) return series;
  return mergeSameLabels(series.map((s) => (s.dropName ? { ...s, labels: dropMetricName(s.labels), dropName: false } : s)));
}

/**
 * Merges series with identical label sets into one (they came from different inputs at
 * different steps); two present at the same step is Prometheus's "same labelset" error.
 */
export function mergeSameLabels(series: VSeries[]): VSeries[] {
  if (series.length < 2) return series;
  const byKey = new Map<string, number>();
  const out: VSeries[] = [];
  for (const s of series) {
    const k = labelsKey(s.labels) + (s.dropName ? '\x00d' : '');
    const at = byKey.get(k);
    if (at === undefined) {
      byKey.set(k, out.length);
      out.push(s);
      continue;
    }
    const a = out[at]!;
    const n = a.v.length;
    const v = new Float64Array(a.v);
    const p = new Uint8Array(a.p);
    for (let i = 0; i < n; i++) {
      if (!s.p[i]) continue;
      if (p[i]) throw new ExecutionError(SAME_LABELSET);
      p[i] = 1;
      v[i] = s.v[i]!;
    }
    out[at] = { labels: a.labels, v, p, dropName: a.dropName };
  }
  return out;
}

/** Labels as Prometheus's `labels.Labels.String()` prints them: `{a="b", c="d"}`. */
export function labelsString(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

export function hasAny(p: Uint8Array): boolean {
  for (let i = 0; i < p.length; i++) if (p[i]) return true;
  return false;
}

export { METRIC_NAME };
