/**
 * The first range assignment of a fresh cluster.
 *
 * Split keys. Without explicit `splitKeys`, N leaves get N ranges cut inside the default
 * tenant's key space, on the first characters of the first target label (the `job` value by
 * default): split k of N is `encodeTuple(['default', s])` where `s` is the k/N quantile of the lower-case
 * strings of the fewest letters that keep the splits distinct ('a'…'z' up to 26 leaves, 'aa'…'zz'
 * up to 676), trailing 'a's dropped: 2 leaves split at 'n'; 3 at 'j', 'r'; 4 at 'h', 'n', 'u'. Job names spread roughly over the alphabet, so targets spread over
 * leaves from the first write on, and all series of one target (one job/instance) stay in one
 * range. Keys of other tenants fall in the first range (tenants sorting before "default") or the
 * last one (after it); the balancer splits them later when they grow.
 *
 * Whatever the split keys, the ranges tile the whole key space: the first starts at the empty
 * key, the last ends at the empty key (+∞), each end is the next start.
 *
 * Replicas. Range i is held by leaves i, i+1, … i+rf−1 (mod N), all `available`, so each leaf is
 * the primary of one range and a follower of rf−1 others.
 */
import { compareKeys, DEFAULT_TENANT, encodeTuple, MIN_KEY, type Key } from '../model/index.js';
import type { RangeAssignment } from './assignment-store.js';

export interface InitialRangesOptions {
  /** Explicit split keys (N−1 for N ranges); any order, duplicates and the empty key ignored. */
  splitKeys?: Key[];
  /** Replicas per range (default 1); must not exceed the number of leaves. */
  replicationFactor?: number;
}

const LETTERS = 26;
const MAX_DEPTH = 3;

/** The default split keys for `n` ranges (n−1 keys), see the file comment. */
export function defaultSplitKeys(n: number, tenant: string = DEFAULT_TENANT): Key[] {
  // The fewest letters that give every split its own string (26 leaves or fewer: one letter).
  let depth = 1;
  while (LETTERS ** depth < n) depth++;
  if (depth > MAX_DEPTH) throw new Error(`cannot make more than ${LETTERS ** MAX_DEPTH} initial ranges`);
  const space = LETTERS ** depth;
  const out: Key[] = [];
  for (let i = 1; i < n; i++) {
    // space/n >= 1, so rounding keeps the points strictly increasing and >= 1.
    let p = Math.round((space * i) / n);
    const chars: string[] = [];
    for (let d = 0; d < depth; d++) {
      chars.unshift(String.fromCharCode(97 + (p % LETTERS)));
      p = Math.floor(p / LETTERS);
    }
    const s = chars.join('').replace(/a+$/, '');
    out.push(encodeTuple([tenant, s]));
  }
  return out;
}

export function initialRanges(leafIds: string[], opts: InitialRangesOptions = {}): RangeAssignment[] {
  if (leafIds.length === 0) throw new Error('initialRanges needs at least one leaf');
  if (new Set(leafIds).size !== leafIds.length) throw new Error('initialRanges: duplicate leaf ids');
  const rf = opts.replicationFactor ?? 1;
  if (!Number.isInteger(rf) || rf < 1) throw new Error(`replication factor must be a positive integer, got ${rf}`);
  if (rf > leafIds.length) throw new Error(`replication factor ${rf} exceeds the number of leaves (${leafIds.length})`);

  const splits = normaliseSplits(opts.splitKeys ?? defaultSplitKeys(leafIds.length));
  const bounds: Key[] = [MIN_KEY, ...splits, MIN_KEY];
  const out: RangeAssignment[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const replicas = [];
    for (let j = 0; j < rf; j++) replicas.push({ leafId: leafIds[(i + j) % leafIds.length]!, state: 'available' as const });
    out.push({ id: `r${i}`, start: bounds[i]!, end: bounds[i + 1]!, replicas, epoch: 1 });
  }
  return out;
}

function normaliseSplits(keys: readonly Key[]): Key[] {
  const sorted = keys.filter((k) => k.length > 0).sort(compareKeys);
  const out: Key[] = [];
  for (const k of sorted) if (out.length === 0 || compareKeys(out[out.length - 1]!, k) !== 0) out.push(k);
  return out;
}
