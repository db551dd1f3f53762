/**
 * Time hints: a leaf also holds one hint per (tenant, hour bucket) in which it ever admitted a
 * sample, streamed with the field hints (same deltas, same read-your-writes point, same
 * resync). The gateway prunes a range by time when none of its replicas holds a bucket
 * overlapping the selector's data window.
 *
 * Why hints rather than the polled min/max of Status: a leaf admits a *new* series' first
 * samples at any timestamp (backfill), so a min/max polled seconds ago cannot bound what is there
 * now; a hint is published before the write is acknowledged to its gateway (`expectAtLeast`) and
 * reaches every gateway through the stream, exactly like a new label value. Buckets are never
 * removed (false positives only). A batch spanning more than MAX_BUCKETS_PER_ADD buckets adds the
 * tenant's "any time" hint instead, which every window matches.
 */
import { hintSeed, valueHint, type Fingerprint } from './hint-derive.js';

/** Width of a time bucket, ms (1 h). */
export const TIME_BUCKET_MS = 3_600_000;
/** A window touching more buckets than this is not pruned by time (planning stays cheap). */
export const MAX_WINDOW_BUCKETS = 2048;
export const MAX_BUCKETS_PER_ADD = 2048;
/** Not a valid label name, so it never collides with a field's hints. */
const TIME_FIELD = '\u0000time';

export function timeBucket(ms: number): number {
  return Math.floor(ms / TIME_BUCKET_MS);
}

export function timeHint(tenant: string, bucket: number): Fingerprint {
  return valueHint(hintSeed(tenant, TIME_FIELD), String(bucket));
}

/** The hint every window matches (a leaf holding data over a very wide span). */
export function anyTimeHint(tenant: string): Fingerprint {
  return valueHint(hintSeed(tenant, TIME_FIELD), '*');
}
