/**
 * Appending one series' samples to its head, sample by sample validated, without an object per
 * sample. Rules (Prometheus's head appender, per series):
 *  - a timestamp must be a valid sample time (`validateTimestamp`) → else `invalid_timestamp`;
 *  - a timestamp newer than the last accepted one (stored, or earlier in this request) is appended;
 *  - a timestamp already present with an identical value (bit-identical for NaNs, so a stale
 *    marker only equals a stale marker) is ignored: retries and replica re-sends are idempotent;
 *  - a timestamp already present with a different value → `duplicate_sample`;
 *  - any other timestamp not after the last sample → `out_of_order`.
 * Stale markers are ordinary values here.
 */
import { isStaleNaN, validateTimestamp } from '../model/index.js';
import type { SeriesHead } from './store-head.js';

export type SampleRejectReason = 'invalid_timestamp' | 'out_of_order' | 'duplicate_sample';

export interface AppendOutcome {
  /** Samples written. */
  appended: number;
  /** Identical duplicates ignored (accepted, not written again). */
  ignored: number;
  /** Rejected samples per reason, with the first message of each reason. */
  rejected: Map<SampleRejectReason, { count: number; message: string }> | undefined;
}

export function appendSamples(head: SeriesHead, ts: ArrayLike<number>, vs: ArrayLike<number>): AppendOutcome {
  const n = ts.length;
  let lastT = head.lastT;
  // Fast mode: samples [0, i) are all good and not yet written; flushed in one bulk copy.
  let fast = true;
  let appended = 0;
  let ignored = 0;
  let rejected: AppendOutcome['rejected'];
  const reject = (reason: SampleRejectReason, message: () => string): void => {
    rejected ??= new Map();
    const r = rejected.get(reason);
    if (r) r.count++;
    else rejected.set(reason, { count: 1, message: message() });
  };

  for (let i = 0; i < n; i++) {
    const t = ts[i]!;
    const v = vs[i]!;
    if (t > lastT) {
      const bad = validateTimestamp(t);
      if (bad === undefined) {
        lastT = t;
        appended++;
        if (!fast) head.appendOne(t, v);
        continue;
      }
      reject('invalid_timestamp', () => `sample ${i}: ${bad}`);
    } else {
      // Not newer than the last sample: flush the good prefix so the head holds everything
      // accepted so far, then look for an existing sample at t.
      if (fast) {
        head.appendRange(ts, vs, 0, i);
        fast = false;
      }
      const bad = validateTimestamp(t);
      if (bad !== undefined) reject('invalid_timestamp', () => `sample ${i}: ${bad}`);
      else {
        const at = indexOf(head, t);
        if (at >= 0 && sameValue(v, head.v[at]!)) ignored++;
        else if (at >= 0) reject('duplicate_sample', () => `sample ${i}: timestamp ${t} already has value ${head.v[at]}, got ${v}`);
        else reject('out_of_order', () => `sample ${i}: timestamp ${t} is not after the last sample at ${lastT}`);
      }
      continue;
    }
    if (fast) {
      head.appendRange(ts, vs, 0, i);
      fast = false;
    }
  }
  if (fast) head.appendRange(ts, vs, 0, n);
  return { appended, ignored, rejected };
}

function sameValue(a: number, b: number): boolean {
  if (a === b) return true;
  return a !== a && b !== b && isStaleNaN(a) === isStaleNaN(b);
}

/** Index of the sample at exactly t in the head, or -1. */
function indexOf(head: SeriesHead, t: number): number {
  let lo = 0;
  let hi = head.n;
  const ts = head.t;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < head.n && ts[lo] === t ? lo : -1;
}
