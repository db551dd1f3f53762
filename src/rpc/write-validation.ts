/**
 * Series-level validation of a write, shared by the leaf's write path (src/leaf/write.ts) and the
 * gateway's ingest router (src/router/write-router.ts), so both reject the same series with the
 * same reasons and messages. A rejection mirrors the Rejection message of types.proto.
 */
import { DEFAULT_TENANT, formatLabels, InvalidArgumentError, validateLabels, validateTenant, type Labels } from '../model/index.js';

/** Mirrors the Rejection message of types.proto. */
export interface WriteRejection {
  seriesIndex: number;
  series: string;
  reason: string;
  message: string;
  rejectedSamples: number;
}

/** Normalises the tenant of a request: '' → default; invalid → InvalidArgumentError. */
export function resolveTenant(tenant: string | undefined): string {
  const t = tenant === undefined || tenant === '' ? DEFAULT_TENANT : tenant;
  const bad = validateTenant(t);
  if (bad !== undefined) throw new InvalidArgumentError(`invalid tenant: ${bad}`);
  return t;
}

/** The series as shown in a rejection: its labels, cut to at most 512 characters. */
export function rejectedSeriesText(labels: Labels): string {
  const s = formatLabels(labels);
  return s.length > 512 ? s.slice(0, 509) + '…' : s;
}

export interface SeriesCheckOptions {
  /**
   * Reject a series with a timestamp that is not a safe integer (reason `invalid_timestamp`):
   * the leaf wire carries int64 ms, so such a series cannot even be sent.
   */
  integerTimestamps?: boolean;
}

/**
 * Checks one series of a write (labels sorted by name): valid labels, as many values as
 * timestamps and, optionally, integer timestamps. Returns the first rejection, or undefined.
 */
export function checkWriteSeries(
  seriesIndex: number,
  labels: Labels,
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  opts: SeriesCheckOptions = {},
): WriteRejection | undefined {
  const n = t.length;
  const bad = validateLabels(labels);
  if (bad !== undefined) return { seriesIndex, series: rejectedSeriesText(labels), reason: 'invalid_labels', message: bad, rejectedSamples: n };
  if (v.length !== n) {
    return { seriesIndex, series: rejectedSeriesText(labels), reason: 'mismatched_lengths', message: `${n} timestamps but ${v.length} values`, rejectedSamples: Math.max(n, v.length) };
  }
  if (opts.integerTimestamps) {
    for (let i = 0; i < n; i++) {
      if (!Number.isSafeInteger(t[i])) {
        return { seriesIndex, series: rejectedSeriesText(labels), reason: 'invalid_timestamp', message: `sample ${i}: timestamp ${t[i]} is not an integer number of milliseconds`, rejectedSamples: n };
      }
    }
  }
  return undefined;
}

/** The INVALID_ARGUMENT of a write in which no series was valid: the first 5 rejections, all in the detail. */
export function noValidSeriesError(rejections: WriteRejection[]): InvalidArgumentError {
  const reasons = rejections.slice(0, 5).map((r) => `series ${r.seriesIndex} ${r.series}: ${r.reason}: ${r.message}`);
  const more = rejections.length > 5 ? ` (and ${rejections.length - 5} more)` : '';
  return new InvalidArgumentError(`no valid series in write request: ${reasons.join('; ')}${more}`, { rejections });
}
