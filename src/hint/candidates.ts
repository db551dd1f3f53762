/**
 * Candidate leaves of a selector: the leaves that may hold a series matching all its matchers,
 * according to the field-hint index. Sound by construction (false positives only):
 *  - `name="v"` (v non-empty) needs the full-value hint of (tenant, name, v);
 *  - `name=~"re"` needs the regex's plan: an OR of full-value hints when its language is small,
 *    else a required-trigram query over the padded value (see regex-trigrams.ts);
 *  - a matcher that matches the empty string (series lacking the label match it), `!=` and `!~`
 *    never prune;
 *  - the result is the AND over matchers, OR every leaf whose hints are not in sync, and any leaf
 *    the index has never heard of is a candidate (`has` answers true).
 */
import { compileMatcher, formatMatcher, type Matcher } from '../model/index.js';
import { hintSeed, trigramHint, valueHint, type HintSeed } from './hint-derive.js';
import type { HintIndex } from './hint-index.js';
import { anyTimeHint, MAX_WINDOW_BUCKETS, timeBucket, timeHint } from './time-hints.js';
import { formatPlan, regexPlan, trigramCodePoints, type RegexPlan, type TrigramQuery } from './regex-trigrams.js';

export interface CandidateSet {
  /** No pruning at all: every leaf is a candidate. */
  readonly all: boolean;
  /** Whether the leaf may hold a matching series (true for leaves the index does not know). */
  has(leafId: string): boolean;
  /** Known leaves that are candidates (all known leaves when `all`). */
  leafIds(): string[];
  /** Number of known candidate leaves. */
  readonly count: number;
  /** One line per matcher: how it pruned and how many leaves it left. */
  readonly explain: string[];
}

const planCache = new Map<string, RegexPlan>();

/** The regex plan of a pattern (cached; bounded). */
export function cachedRegexPlan(pattern: string): RegexPlan {
  let p = planCache.get(pattern);
  if (!p) {
    p = regexPlan(pattern);
    if (planCache.size >= 10_000) planCache.clear();
    planCache.set(pattern, p);
  }
  return p;
}

function popcount(bits: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    let v = bits[i]! >>> 0;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) >>> 0;
  }
  return n;
}

function isZero(bits: Uint32Array): boolean {
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) return false;
  return true;
}

/** A regex plan resolved to fingerprints for one (tenant, field). */
type FpQuery = { op: 'all' } | { op: 'none' } | { op: 'and' | 'or'; fps: Float64Array; subs: FpQuery[] };

function resolveQuery(seed: HintSeed, q: TrigramQuery): FpQuery {
  if (q.op === 'all' || q.op === 'none') return q;
  const fps = Float64Array.from(q.trigrams, (t) => {
    const [a, b, c] = trigramCodePoints(t);
    return trigramHint(seed, a, b, c);
  });
  return { op: q.op, fps, subs: q.subs.map((s) => resolveQuery(seed, s)) };
}

const resolvedCache = new Map<string, { q: FpQuery; how: string }>();

/** The fingerprint query of `name=~pattern` in `tenant` (cached; bounded). */
function resolvedRegex(tenant: string, name: string, pattern: string): { q: FpQuery; how: string } {
  const key = `${tenant}\u0000${name}\u0000${pattern}`;
  let r = resolvedCache.get(key);
  if (r) return r;
  const plan = cachedRegexPlan(pattern);
  const seed = hintSeed(tenant, name);
  if (plan.kind === 'all') r = { q: { op: 'all' }, how: 'regex not analysable: no pruning' };
  else if (plan.kind === 'values') r = { q: { op: 'or', fps: Float64Array.from(plan.values.filter((v) => v !== ''), (v) => valueHint(seed, v)), subs: [] }, how: formatPlan(plan) };
  else r = { q: resolveQuery(seed, plan.query), how: `trigrams ${formatPlan(plan)}` };
  if (resolvedCache.size >= 10_000) resolvedCache.clear();
  resolvedCache.set(key, r);
  return r;
}

/** Leaves satisfying `q`, or null for "all leaves". */
function evalQuery(index: HintIndex, q: FpQuery): Uint32Array | null {
  const stride = index.stride;
  if (q.op === 'all') return null;
  if (q.op === 'none') return new Uint32Array(stride);
  if (q.op === 'or') {
    const acc = new Uint32Array(stride);
    for (let i = 0; i < q.fps.length; i++) index.orInto(q.fps[i]!, acc);
    for (const s of q.subs) {
      const r = evalQuery(index, s);
      if (r === null) return null;
      for (let w = 0; w < stride; w++) acc[w]! |= r[w]!;
    }
    return acc;
  }
  let acc: Uint32Array | null = null;
  const tmp = new Uint32Array(stride);
  for (let i = 0; i < q.fps.length; i++) {
    tmp.fill(0);
    if (!index.orInto(q.fps[i]!, tmp)) return new Uint32Array(stride);
    if (acc === null) acc = tmp.slice();
    else for (let w = 0; w < stride; w++) acc[w]! &= tmp[w]!;
    if (isZero(acc)) return acc;
  }
  for (const s of q.subs) {
    const r = evalQuery(index, s);
    if (r === null) continue;
    if (acc === null) acc = r;
    else for (let w = 0; w < stride; w++) acc[w]! &= r[w]!;
    if (isZero(acc)) return acc;
  }
  return acc;
}

/** Leaves one matcher allows (null = no pruning) and its explanation. */
function matcherLeaves(index: HintIndex, tenant: string, m: Matcher): { bits: Uint32Array | null; how: string } {
  if (m.type === '!=' || m.type === '!~') return { bits: null, how: 'negative matcher: no pruning' };
  if (m.type === '=') {
    if (m.value === '') return { bits: null, how: 'matches the empty string: no pruning' };
    const bits = new Uint32Array(index.stride);
    index.orInto(valueHint(hintSeed(tenant, m.name), m.value), bits);
    return { bits, how: 'value hint' };
  }
  const cm = compileMatcher(m); // throws InvalidArgumentError on a bad regex, like every other path
  if (cm.matches('')) return { bits: null, how: 'matches the empty string: no pruning' };
  const { q, how } = resolvedRegex(tenant, m.name, m.value);
  return { bits: evalQuery(index, q), how };
}

/** The candidate leaves for a selector's matchers in `tenant`. */
export function candidateLeaves(index: HintIndex, tenant: string, matchers: readonly Matcher[]): CandidateSet {
  const steps: { m: Matcher; how: string; n: number }[] = [];
  let acc: Uint32Array | null = null;
  for (const m of matchers) {
    const { bits, how } = matcherLeaves(index, tenant, m);
    steps.push({ m, how, n: bits === null ? -1 : popcount(bits) });
    if (bits === null) continue;
    if (acc === null) acc = bits;
    else for (let w = 0; w < acc.length; w++) acc[w]! &= bits[w]!;
  }
  if (acc !== null) {
    const unsynced = index.unsyncedMask();
    for (let w = 0; w < acc.length; w++) acc[w]! |= unsynced[w]!;
  }
  // Explain lines are built only when read (planning is hot, Explain is not).
  const explain = (): string[] => steps.map((s) => `${formatMatcher(s.m)}: ${s.how} → ${s.n < 0 ? 'all' : s.n} leaves`);
  return makeSet(index, acc, explain);
}

function makeSet(index: HintIndex, bits: Uint32Array | null, explain: () => string[]): CandidateSet {
  if (bits === null) {
    return {
      all: true,
      has: () => true,
      leafIds: () => index.leafIds(),
      count: index.size,
      get explain() {
        return explain();
      },
    };
  }
  const has = (leafId: string): boolean => {
    if (!index.isKnown(leafId)) return true;
    const n = index.leafNumber(leafId);
    return (bits[n >>> 5]! & (1 << (n & 31))) !== 0;
  };
  return {
    all: false,
    has,
    leafIds: () => index.leafIds().filter(has),
    count: popcount(bits),
    get explain() {
      return explain();
    },
  };
}

/**
 * Splits ranges into those a query must visit and those it can skip: a range is kept when any of
 * its replicas is a candidate (replicas of one range hold the same series, but an `initializing`
 * replica may still lack some, so one candidate replica is enough). Hints are per leaf, so a leaf
 * holding several ranges keeps all of them: coarser, never wrong.
 */
export function pruneRanges<R extends { replicas: readonly { leafId: string }[] }>(ranges: readonly R[], c: CandidateSet): { kept: R[]; pruned: R[] } {
  if (c.all) return { kept: [...ranges], pruned: [] };
  const kept: R[] = [];
  const pruned: R[] = [];
  for (const r of ranges) (r.replicas.length === 0 || r.replicas.some((x) => c.has(x.leafId)) ? kept : pruned).push(r);
  return { kept, pruned };
}

/**
 * Leaves that may hold samples of `tenant` in [startMs, endMs] (time hints, see time-hints.ts):
 * any leaf with a bucket overlapping the window or the tenant's "any time" hint, plus every leaf
 * not in sync. An unbounded or very wide window does not prune.
 */
export function timeCandidates(index: HintIndex, tenant: string, startMs: number, endMs: number): CandidateSet {
  const lo = timeBucket(startMs);
  const hi = timeBucket(endMs);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo >= MAX_WINDOW_BUCKETS) {
    return makeSet(index, null, () => [`time [${startMs}, ${endMs}]: window too wide, no pruning`]);
  }
  const bits = new Uint32Array(index.stride);
  if (hi >= lo) {
    index.orInto(anyTimeHint(tenant), bits);
    for (let b = lo; b <= hi; b++) index.orInto(timeHint(tenant, b), bits);
  }
  const n = popcount(bits);
  const unsynced = index.unsyncedMask();
  for (let w = 0; w < bits.length; w++) bits[w]! |= unsynced[w]!;
  return makeSet(index, bits, () => [`time [${new Date(startMs).toISOString()}, ${new Date(endMs).toISOString()}]: ${hi - lo + 1} hour buckets → ${n} leaves with data`]);
}
