/**
 * The leaf's write path: request-level and series-level validation, then append.
 *
 * A write is applied series by series: good series (and the good samples of partly bad series)
 * are written, and every rejection is listed (one `Rejection` per series and reason) and counted
 * in the leaf's metrics. Request-level failures (invalid tenant, empty request) and requests in
 * which nothing at all was valid fail with INVALID_ARGUMENT, the rejections in the error detail.
 */
import { InvalidArgumentError, normalizeLabels, type Label, type Labels } from '../model/index.js';
import { checkWriteSeries, noValidSeriesError, rejectedSeriesText, resolveTenant, type WriteRejection } from '../rpc/index.js';
import type { LeafMetrics } from './metrics.js';
import type { LeafStore } from './store.js';

/** One series of a write: labels and two parallel sample columns. */
export interface WriteSeries {
  readonly labels: readonly Label[];
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

export { resolveTenant, type WriteRejection };

export interface WriteResult {
  acceptedSeries: number;
  acceptedSamples: number;
  rejectedSamples: number;
  rejections: WriteRejection[];
}

export function applyWrite(store: LeafStore, metrics: LeafMetrics | undefined, tenantIn: string, series: readonly WriteSeries[]): WriteResult {
  const tenant = resolveTenant(tenantIn);
  if (series.length === 0) throw new InvalidArgumentError('empty write request');
  const res: WriteResult = { acceptedSeries: 0, acceptedSamples: 0, rejectedSamples: 0, rejections: [] };
  const reject = (r: WriteRejection): void => {
    res.rejections.push(r);
    res.rejectedSamples += r.rejectedSamples;
    metrics?.rejectedSamples.inc({ reason: r.reason }, r.rejectedSamples);
    metrics?.rejectedSeries.inc({ reason: r.reason });
  };

  for (let i = 0; i < series.length; i++) {
    const s = series[i]!;
    const labels = sortedLabels(s.labels);
    const n = s.t.length;
    // Timestamps are checked per sample by the store (negative, out of order, too old).
    const bad = checkWriteSeries(i, labels, s.t, s.v);
    if (bad) {
      reject(bad);
      continue;
    }
    if (n === 0) continue;
    const out = store.append(tenant, labels, s.t, s.v);
    const accepted = out.appended + out.ignored;
    if (out.rejected) {
      for (const [reason, r] of out.rejected) reject({ seriesIndex: i, series: rejectedSeriesText(labels), reason, message: r.message, rejectedSamples: r.count });
    }
    if (accepted > 0) {
      res.acceptedSeries++;
      res.acceptedSamples += accepted;
    }
    if (out.appended > 0) metrics?.appendedSamples.inc(out.appended);
  }

  if (res.acceptedSeries === 0) {
    if (res.rejections.length === 0) throw new InvalidArgumentError('empty write request');
    throw noValidSeriesError(res.rejections);
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
