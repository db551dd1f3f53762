/**
 * The leaf's write path: request-level and series-level validation, then append.
 *
 * A write is applied series by series: good series (and the good samples of partly bad series)
 * are written, and every rejection is listed (one `Rejection` per series and reason) and counted
 * in the leaf's metrics. Request-level failures (invalid tenant, empty request) and requests in
 * which nothing at all was valid fail with INVALID_ARGUMENT, the rejections in the error detail.
 */
import {
  DEFAULT_TENANT,
  formatLabels,
  InvalidArgumentError,
  validateLabels,
  normalizeLabels,
  validateTenant,
  type Label,
  type Labels,
} from '../model/index.js';
import type { LeafMetrics } from './metrics.js';
import type { LeafStore } from './store.js';

/** One series of a write: labels and two parallel sample columns. */
export interface WriteSeries {
  readonly labels: readonly Label[];
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/** Mirrors the Rejection message of types.proto. */
export interface WriteRejection {
  seriesIndex: number;
  series: string;
  reason: string;
  message: string;
  rejectedSamples: number;
}

export interface WriteResult {
  acceptedSeries: number;
  acceptedSamples: number;
  rejectedSamples: number;
  rejections: WriteRejection[];
}

/** Normalises the tenant of a request: '' → default; invalid → InvalidArgumentError. */
export function resolveTenant(tenant: string | undefined): string {
  const t = tenant === undefined || tenant === '' ? DEFAULT_TENANT : tenant;
  const bad = validateTenant(t);
  if (bad !== undefined) throw new InvalidArgumentError(`invalid tenant: ${bad}`);
  return t;
}

export function applyWrite(store: LeafStore, metrics: LeafMetrics | undefined, tenantIn: string, series: readonly WriteSeries[]): WriteResult {
  const tenant = resolveTenant(tenantIn);
  if (series.length === 0) throw new InvalidArgumentError('empty write request');
  const res: WriteResult = { acceptedSeries: 0, acceptedSamples: 0, rejectedSamples: 0, rejections: [] };
  const reject = (i: number, labels: Labels, reason: string, message: string, count: number): void => {
    res.rejections.push({ seriesIndex: i, series: safeFormat(labels), reason, message, rejectedSamples: count });
    res.rejectedSamples += count;
    metrics?.rejectedSamples.inc({ reason }, count);
    metrics?.rejectedSeries.inc({ reason });
  };

  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const labels = sortedLabels(s.labels);
    const n = s.t.length;
    const badLabels = validateLabels(labels);
    if (badLabels !== undefined) {
      reject(i, labels, 'invalid_labels', badLabels, n);
      continue;
    }
    if (s.v.length !== n) {
      reject(i, labels, 'mismatched_lengths', `${n} timestamps but ${s.v.length} values`, Math.max(n, s.v.length));
      continue;
    }
    if (n === 0) continue;
    const out = store.append(tenant, labels, s.t, s.v);
    const accepted = out.appended + out.ignored;
    if (out.rejected) for (const [reason, r] of out.rejected) reject(i, labels, reason, r.message, r.count);
    if (accepted > 0) {
      res.acceptedSeries++;
      res.acceptedSamples += accepted;
    }
    if (out.appended > 0) metrics?.appendedSamples.inc(out.appended);
  }

  if (res.acceptedSeries === 0) {
    if (res.rejections.length === 0) throw new InvalidArgumentError('empty write request');
    const reasons = res.rejections.slice(0, 5).map((r) => `series ${r.seriesIndex} ${r.series}: ${r.reason}: ${r.message}`);
    const more = res.rejections.length > 5 ? ` (and ${res.rejections.length - 5} more)` : '';
    throw new InvalidArgumentError(`no valid series in write request: ${reasons.join('; ')}${more}`, { rejections: res.rejections });
  }
  return res;
}

/** Labels as sent should be sorted; tolerate unsorted input (duplicates are still caught). */
/** Sorted by name; no copy in the common already-sorted case. */
function sortedLabels(labels: readonly Label[]): Labels {
  for (let i = 1; i < labels.length; i++) {
    if (labels[i]!.name < labels[i - 1]!.name) return normalizeLabels(labels);
  }
  return labels;
}

function safeFormat(labels: Labels): string {
  const s = formatLabels(labels);
  return s.length > 512 ? s.slice(0, 509) + '…' : s;
}
