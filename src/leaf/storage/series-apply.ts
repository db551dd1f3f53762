/**
 * The per-series admission rules of a write, applied to one `MemSeries` without an object per
 * sample (Prometheus's head appender plus its out-of-order window):
 *  - a timestamp must be a valid sample time (`validateTimestamp`) → else `invalid_timestamp`;
 *  - older than `minTime` (the retention cutoff) → `too_old`; below the persisted floor (the
 *    newest persisted block's end) → `too_old` too unless `lateInsert` (then it is late data,
 *    checked against the blocks for duplicates and merged like any older sample);
 *  - newer than the series' last sample (stored, or earlier in this request) → appended;
 *  - a timestamp already present with a bit-identical value → ignored (retries and replica
 *    re-sends are idempotent; a stale marker only equals a stale marker);
 *  - a timestamp already present with a different value → `duplicate_sample`;
 *  - older than the last sample by more than the admission window → `out_of_order` (unless an
 *    identical sample is stored there: ignored, or a different one: `duplicate_sample`);
 *  - otherwise (inside the window) → inserted in time order (MemSeries.merge).
 * Accepted samples are copied to the caller's columns (for the WAL): first the appended run,
 * then the inserted ones, each run sorted.
 */
import { validateTimestamp } from '../../model/index.js';
import { sameBits, type MemSeries } from './series-head.js';

export type SampleRejectReason = 'invalid_timestamp' | 'out_of_order' | 'duplicate_sample' | 'too_old';

export interface SeriesOutcome {
  /** Samples newer than the series' last one, appended. */
  appended: number;
  /** Older samples inserted inside the admission window. */
  inserted: number;
  /** Identical re-sends ignored (accepted, not written again). */
  ignored: number;
  /** Rejected samples per reason, with the first message of each reason. */
  rejected: Map<SampleRejectReason, { count: number; message: string }> | undefined;
}

export interface ApplyPolicy {
  /** Out-of-order admission window, ms (0: only newer samples; Infinity: any time ≥ floor). */
  windowMs: number;
  /** Samples before this time are refused (`too_old`): they would belong to persisted blocks. */
  floor: number;
  /** Samples below the floor are admitted (late data) under the same rules as older samples. */
  lateInsert?: boolean;
  /** Samples before this time are refused (`too_old`) in any case (retention cutoff). */
  minTime?: number;
  /** The value the persisted blocks hold at t (duplicate checks below the floor). */
  blockValueAt?: (t: number) => number | undefined;
  chunkSamples: number;
  blockMs: number;
}

/**
 * Applies t/v to `ms`; accepted samples are written to outT/outV from 0: [0, appended) the
 * appended run, [appended, appended + inserted) the inserted run. outT/outV need t.length room.
 */
export function applySeriesSamples(ms: MemSeries, t: ArrayLike<number>, v: ArrayLike<number>, p: ApplyPolicy, outT: Float64Array, outV: Float64Array): SeriesOutcome {
  const n = t.length;
  const res: SeriesOutcome = { appended: 0, inserted: 0, ignored: 0, rejected: undefined };
  const reject = (reason: SampleRejectReason, count: number, message: () => string): void => {
    res.rejected ??= new Map();
    const r = res.rejected.get(reason);
    if (r) r.count += count;
    else res.rejected.set(reason, { count, message: message() });
  };
  // Newer samples take the fast path only at or above the floor and the retention cutoff.
  const fastFloor = Math.max(p.floor, p.minTime ?? -Infinity);
  let last = ms.lastT;
  let lastV = ms.lastV;
  let k = 0;
  let ooo: number[] | undefined;
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    const vi = v[i]!;
    if (ti > last && ti >= fastFloor) {
      const bad = validateTimestamp(ti);
      if (bad === undefined) {
        outT[k] = ti;
        outV[k++] = vi;
        last = ti;
        lastV = vi;
      } else reject('invalid_timestamp', 1, () => `sample ${i}: ${bad}`);
      continue;
    }
    const bad = validateTimestamp(ti);
    if (bad !== undefined) reject('invalid_timestamp', 1, () => `sample ${i}: ${bad}`);
    else if (ti === last && sameBits(vi, lastV)) res.ignored++;
    else if (ti < p.floor && !p.lateInsert) reject('too_old', 1, () => `sample ${i}: timestamp ${ti} is older than the persisted data (before ${p.floor})`);
    else if (p.minTime !== undefined && ti < p.minTime) reject('too_old', 1, () => `sample ${i}: timestamp ${ti} is older than the retention (before ${p.minTime})`);
    else if (last - ti > p.windowMs) {
      // Outside the window: an identical re-send of a stored sample is still a harmless retry.
      const stored = ms.valueAt(ti) ?? (ti < p.floor ? p.blockValueAt?.(ti) : undefined);
      if (stored !== undefined && sameBits(stored, vi)) res.ignored++;
      else if (stored !== undefined) reject('duplicate_sample', 1, () => `sample ${i}: timestamp ${ti} already has value ${stored}, got ${vi}`);
      else reject('out_of_order', 1, () => `sample ${i}: timestamp ${ti} is more than the admission window (${p.windowMs} ms) before the last sample at ${last}`);
    } else if (ti < p.floor && p.blockValueAt) {
      // Late data: a timestamp the blocks already hold is a duplicate, not a new sample.
      const stored = p.blockValueAt(ti);
      if (stored === undefined) (ooo ??= []).push(i);
      else if (sameBits(stored, vi)) res.ignored++;
      else reject('duplicate_sample', 1, () => `sample ${i}: timestamp ${ti} already has value ${stored}, got ${vi}`);
    } else (ooo ??= []).push(i);
  }
  res.appended = k;
  if (k > 0) ms.append(outT, outV, 0, k, p.chunkSamples, p.blockMs);
  if (ooo === undefined) return res;

  // Older samples: sort by time (stable: the first of equal timestamps wins), collapse equal
  // timestamps within the request, then merge once into the series.
  ooo.sort((a, b) => t[a]! - t[b]! || a - b);
  const mt = new Float64Array(ooo.length);
  const mv = new Float64Array(ooo.length);
  let m = 0;
  for (const i of ooo) {
    const ti = t[i]!;
    if (m > 0 && mt[m - 1] === ti) {
      if (sameBits(v[i]!, mv[m - 1]!)) res.ignored++;
      else reject('duplicate_sample', 1, () => `sample ${i}: timestamp ${ti} already has value ${mv[m - 1]}, got ${v[i]}`);
      continue;
    }
    mt[m] = ti;
    mv[m++] = v[i]!;
  }
  const r = ms.merge(mt, mv, m, p.chunkSamples, p.blockMs, outT, outV, k);
  res.inserted = r.inserted;
  res.ignored += r.duplicates;
  if (r.conflicts > 0) reject('duplicate_sample', r.conflicts, () => `timestamp ${r.conflictT} already has value ${r.conflictOld}`);
  return res;
}
