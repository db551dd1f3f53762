/**
 * Test-only mini harness: runs the upstream promqltest scripts' evals that are a single
 * range function over a plain selector (plus classic histogram_quantile/fraction,
 * simple aggregations and smoothed instant selectors) directly against the kernels.
 * Float series only: evals touching histogram samples are skipped. Not a PromQL engine —
 * just enough to pin kernel numerics to upstream's values. Scripts are parsed by
 * script-parse.test-util.ts.
 */
import { compileAnchoredRegex } from '../../model/index.js';
import { almostEqual } from './quantile.js';
import { ANCHORED_KERNELS, RANGE_KERNELS, SMOOTHED_KERNELS, extendedSelection } from './index.js';
import type { RangeKernel } from './types.js';
import { labelKey, parseDuration, parseNumber } from './script-parse.test-util.js';
import type { EvalCase, LoadedSeries } from './script-parse.test-util.js';

export { parseScript } from './script-parse.test-util.js';
export type { EvalCase } from './script-parse.test-util.js';

const SEL = String.raw`[a-zA-Z_:][\w:]*(?:\{[^}]*\})?|\{[^}]*\}`;
const CALL = new RegExp(
  String.raw`^(\w+)\((?:([^,()\[\]]+),\s*)?(${SEL})\[(\w+)\]((?:\s+(?:anchored|smoothed|offset\s+-?\w+|@\s+[\d.]+))*)(?:,\s*([^,()]+))?(?:,\s*([^,()]+))?\)$`,
);

type MatchFn = (labels: Map<string, string>) => boolean;

function parseSelector(sel: string): MatchFn {
  const brace = sel.indexOf('{');
  const name = brace < 0 ? sel : sel.slice(0, brace);
  const fns: MatchFn[] = [];
  if (name !== '') fns.push((l) => l.get('__name__') === name);
  if (brace >= 0) {
    const body = sel.slice(brace + 1, sel.lastIndexOf('}'));
    const re = /([a-zA-Z_][\w]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')/g;
    for (let m = re.exec(body); m; m = re.exec(body)) {
      const [, ln, op] = m;
      const val = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : m[4]!;
      const rx = compileAnchoredRegex(val);
      fns.push((l) => {
        const v = l.get(ln!) ?? '';
        switch (op) {
          case '=': return v === val;
          case '!=': return v !== val;
          case '=~': return rx.test(v);
          default: return !rx.test(v);
        }
      });
    }
  }
  return (l) => fns.every((f) => f(l));
}

function parseParam(s: string): number {
  const x = s.trim();
  if (/^\d+(y|w|d|h|m|s|ms)/.test(x) && !/^\d+(\.\d*)?(e[+-]?\d+)?$/i.test(x)) return parseDuration(x) / 1000;
  return parseNumber(x);
}

function durOrSeconds(s: string): number {
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) * 1000 : parseDuration(s);
}

export interface CaseResult {
  status: 'skip' | 'ok' | 'fail';
  detail?: string;
}

const LOOKBACK = 300_000;

/** Runs one eval case through the kernels and compares with the expected rows. */
export function runCase(c: EvalCase): CaseResult {
  const m = CALL.exec(c.expr);
  if (!m) return { status: 'skip' };
  const [, fn, firstArg, sel, rangeStr, mods = '', p1, p2] = m;
  const anchored = /\banchored\b/.test(mods);
  const smoothed = /\bsmoothed\b/.test(mods);
  const table = anchored ? ANCHORED_KERNELS : smoothed ? SMOOTHED_KERNELS : RANGE_KERNELS;
  const kernel: RangeKernel | undefined = table[fn!];
  if (!kernel) return { status: 'skip' };
  if (firstArg !== undefined && fn !== 'quantile_over_time') return { status: 'skip' };
  const offMatch = /offset\s+(-?)(\w+)/.exec(mods);
  const offset = offMatch ? durOrSeconds(offMatch[2]!) * (offMatch[1] === '-' ? -1 : 1) : 0;
  const atMatch = /@\s+([\d.]+)/.exec(mods);
  const rangeMs = durOrSeconds(rangeStr!);
  const params: number[] = [];
  if (firstArg !== undefined) params.push(parseParam(firstArg));
  if (p1 !== undefined) params.push(parseParam(p1));
  if (p2 !== undefined) params.push(parseParam(p2));
  let match: MatchFn;
  try { match = parseSelector(sel!); } catch { return { status: 'skip' }; }
  const selected = c.storage.filter((s) => match(s.labels));
  if (selected.some((s) => s.hasHistogram)) return { status: 'skip' };
  const keepName = fn === 'first_over_time' || fn === 'last_over_time';

  const got = new Map<string, (number | undefined)[]>();
  let warned = false;
  let threw: unknown;
  try {
    for (const s of selected) {
      // Stale markers are removed by the caller (this harness).
      const keep = s.stale.map((x) => !x);
      const t = Float64Array.from(s.t.filter((_, i) => keep[i]));
      const v = Float64Array.from(s.v.filter((_, i) => keep[i]));
      const out = c.steps.map((ts) => {
        const windowEnd = (atMatch ? Number(atMatch[1]) * 1000 : ts) - offset;
        const windowStart = windowEnd - rangeMs;
        let from = windowStart;
        let to = windowEnd;
        if (anchored || smoothed) {
          const e = extendedSelection(anchored ? 'anchored' : 'smoothed', windowStart, windowEnd, LOOKBACK);
          from = e.startExclusive;
          to = e.endInclusive;
        }
        let lo = 0;
        while (lo < t.length && t[lo]! <= from) lo++;
        let hi = lo;
        while (hi < t.length && t[hi]! <= to) hi++;
        return kernel(t, v, lo, hi, {
          windowStart, windowEnd, rangeMs, params, evalTime: ts,
          annotate: (level) => { if (level === 'warn') warned = true; },
        });
      });
      if (out.every((x) => x === undefined)) continue;
      const key = labelKey(s.labels, !keepName);
      if (got.has(key)) throw new Error('vector cannot contain metrics with the same labelset');
      got.set(key, out);
    }
  } catch (e) {
    threw = e;
  }
  if (c.expectFail) {
    return threw ? { status: 'ok' } : { status: 'fail', detail: 'expected failure, got success' };
  }
  if (threw) return { status: 'fail', detail: `threw ${String(threw)}` };
  if (c.expectWarn && !warned) return { status: 'fail', detail: 'expected a warning' };
  if (c.expectNoWarn && warned) return { status: 'fail', detail: 'unexpected warning' };
  const problems: string[] = [];
  const allKeys = new Set([...got.keys(), ...c.rows.keys()]);
  for (const k of allKeys) {
    const want = c.rows.get(k) ?? [];
    const have = got.get(k) ?? [];
    for (let i = 0; i < c.steps.length; i++) {
      const a = want[i];
      const b = have[i];
      if (a === undefined && b === undefined) continue;
      if (a === undefined || b === undefined || !almostEqual(a, b, 1e-6)) {
        problems.push(`{${k}} @${c.steps[i]}: want ${a} got ${b}`);
      }
    }
  }
  return problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'ok' };
}

// ---- classic histogram evals: histogram_quantile / histogram_fraction ----

const INNER_SEL = new RegExp(String.raw`^(${SEL})$`);
const INNER_RATE = new RegExp(String.raw`^rate\((${SEL})\[(\w+)\]\)$`);
const INNER_SUM = new RegExp(
  String.raw`^sum(?:\s+by\s*\(([^)]*)\))?\s*\(rate\((${SEL})\[(\w+)\]\)\)(?:\s+by\s*\(([^)]*)\))?$`,
);
const HQ = /^histogram_quantile\(([^,]+),\s*(.+)\)$/;
const HF = /^histogram_fraction\(([^,]+),\s*([^,]+),\s*(.+)\)$/;

function parseScalarExpr(s: string): number {
  const parts = s.trim().split('/');
  if (parts.length === 2) return parseNumber(parts[0]!.trim()) / parseNumber(parts[1]!.trim());
  return parseNumber(s.trim());
}

function parseLe(s: string | undefined): number {
  if (s === undefined) return NaN;
  const l = s.toLowerCase();
  if (l === '+inf' || l === 'inf') return Infinity;
  if (l === '-inf') return -Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN;
}

/** Instant-vector value of a series at `ts` (lookback 5m, stale → none). */
function instantValue(s: LoadedSeries, ts: number): number | undefined {
  let idx = -1;
  for (let i = 0; i < s.t.length && s.t[i]! <= ts; i++) idx = i;
  if (idx < 0 || s.t[idx]! <= ts - LOOKBACK || s.stale[idx]) return undefined;
  return s.v[idx];
}

export interface HistogramKernels {
  histogramQuantile: (q: number, ub: Float64Array, c: Float64Array, n: number) => { value: number; forcedMonotonicity: boolean };
  histogramFraction: (lo: number, hi: number, ub: Float64Array, c: Float64Array, n: number) => number;
  newSum: () => { first(x: number): void; add(x: number): void; result(): number };
}

/** Runs `histogram_quantile(q, inner)` / `histogram_fraction(l, u, inner)` evals. */
export function runHistogramCase(c: EvalCase, k: HistogramKernels): CaseResult {
  let mode: 'q' | 'f';
  let a: number;
  let b = 0;
  let inner: string;
  const mq = HQ.exec(c.expr);
  const mf = HF.exec(c.expr);
  try {
    if (mq) { mode = 'q'; a = parseScalarExpr(mq[1]!); inner = mq[2]!.trim(); } else if (mf) {
      mode = 'f'; a = parseScalarExpr(mf[1]!); b = parseScalarExpr(mf[2]!); inner = mf[3]!.trim();
    } else return { status: 'skip' };
  } catch {
    return { status: 'skip' };
  }
  let sel: string;
  let rangeMs = 0;
  let by: string[] | undefined;
  const ms = INNER_SEL.exec(inner);
  const mr = INNER_RATE.exec(inner);
  const mSum = INNER_SUM.exec(inner);
  if (ms) sel = ms[1]!;
  else if (mr) { sel = mr[1]!; rangeMs = durOrSeconds(mr[2]!); } else if (mSum) {
    sel = mSum[2]!; rangeMs = durOrSeconds(mSum[3]!);
    by = (mSum[1] ?? mSum[4] ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  } else return { status: 'skip' };
  let match: MatchFn;
  try { match = parseSelector(sel); } catch { return { status: 'skip' }; }
  const selected = c.storage.filter((s) => match(s.labels));
  if (selected.some((s) => s.hasHistogram)) return { status: 'skip' };

  const got = new Map<string, (number | undefined)[]>();
  let infoForced = false;
  for (let si = 0; si < c.steps.length; si++) {
    const ts = c.steps[si]!;
    // Per input series value at this step.
    const points: { labels: Map<string, string>; v: number }[] = [];
    for (const s of selected) {
      let v: number | undefined;
      if (rangeMs === 0) v = instantValue(s, ts);
      else {
        const keep = s.stale.map((x) => !x);
        const t = Float64Array.from(s.t.filter((_, i) => keep[i]));
        const vv = Float64Array.from(s.v.filter((_, i) => keep[i]));
        let lo = 0;
        while (lo < t.length && t[lo]! <= ts - rangeMs) lo++;
        let hi = lo;
        while (hi < t.length && t[hi]! <= ts) hi++;
        v = RANGE_KERNELS.rate!(t, vv, lo, hi, { windowStart: ts - rangeMs, windowEnd: ts, rangeMs, params: [] });
      }
      if (v !== undefined) points.push({ labels: s.labels, v });
    }
    // Optional sum by (…).
    let vec = points;
    if (by !== undefined) {
      const groups = new Map<string, { labels: Map<string, string>; acc: ReturnType<HistogramKernels['newSum']> }>();
      for (const p of points) {
        const gl = new Map([...p.labels].filter(([n]) => by.includes(n)));
        const key = labelKey(gl, false);
        const g = groups.get(key);
        if (g) g.acc.add(p.v);
        else { const acc = k.newSum(); acc.first(p.v); groups.set(key, { labels: gl, acc }); }
      }
      vec = [...groups.values()].map((g) => ({ labels: g.labels, v: g.acc.result() }));
    }
    // Group buckets by labels without le and __name__.
    const hist = new Map<string, { ub: number[]; c: number[] }>();
    for (const p of vec) {
      const le = parseLe(p.labels.get('le'));
      if (le !== le) continue;
      const gl = new Map([...p.labels].filter(([n]) => n !== 'le' && n !== '__name__'));
      const key = labelKey(gl, false);
      let h = hist.get(key);
      if (!h) { h = { ub: [], c: [] }; hist.set(key, h); }
      h.ub.push(le);
      h.c.push(p.v);
    }
    for (const [key, h] of hist) {
      const ub = Float64Array.from(h.ub);
      const cnt = Float64Array.from(h.c);
      let out: number;
      if (mode === 'q') {
        const r = k.histogramQuantile(a, ub, cnt, ub.length);
        out = r.value;
        infoForced ||= r.forcedMonotonicity;
      } else out = k.histogramFraction(a, b, ub, cnt, ub.length);
      let row = got.get(key);
      if (!row) { row = new Array<number | undefined>(c.steps.length).fill(undefined); got.set(key, row); }
      row[si] = out;
    }
  }
  if (c.expectFail) return { status: 'skip' };
  const problems: string[] = [];
  for (const key of new Set([...got.keys(), ...c.rows.keys()])) {
    const want = c.rows.get(key) ?? [];
    const have = got.get(key) ?? [];
    for (let i = 0; i < c.steps.length; i++) {
      const x = want[i];
      const y = have[i];
      if (x === undefined && y === undefined) continue;
      if (x === undefined || y === undefined || !almostEqual(x, y, 1e-6)) problems.push(`{${key}} @${c.steps[i]}: want ${x} got ${y}`);
    }
  }
  void infoForced;
  return problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'ok' };
}

// ---- aggregation evals: sum/avg/min/max/stddev/stdvar/quantile over an instant selector ----

const AGG = new RegExp(
  String.raw`^(sum|avg|min|max|stddev|stdvar|quantile)\s*(?:(by|without)\s*\(([^)]*)\))?\s*\((?:([^,()]+),\s*)?(${SEL})\)(?:\s*(by|without)\s*\(([^)]*)\))?$`,
);

/** Prometheus labels.Compare over sorted label sets. */
function compareLabelSets(a: Map<string, string>, b: Map<string, string>): number {
  const x = [...a].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0));
  const y = [...b].sort(([p], [q]) => (p < q ? -1 : p > q ? 1 : 0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i]![0] !== y[i]![0]) return x[i]![0] < y[i]![0] ? -1 : 1;
    if (x[i]![1] !== y[i]![1]) return x[i]![1] < y[i]![1] ? -1 : 1;
  }
  return x.length - y.length;
}

export interface Accumulator { first(x: number): void; add(x: number): void; result(): number }

export function runAggregationCase(
  c: EvalCase,
  make: (op: string, q: number) => Accumulator,
): CaseResult {
  const m = AGG.exec(c.expr);
  if (!m) return { status: 'skip' };
  const [, op, mode1, list1, param, sel, mode2, list2] = m;
  const mode = mode1 ?? mode2;
  const list = (list1 ?? list2 ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  let q = NaN;
  if (op === 'quantile') {
    if (param === undefined) return { status: 'skip' };
    try { q = parseScalarExpr(param); } catch { return { status: 'skip' }; }
  } else if (param !== undefined) return { status: 'skip' };
  let match: MatchFn;
  try { match = parseSelector(sel!); } catch { return { status: 'skip' }; }
  const selected = c.storage.filter((s) => match(s.labels)).sort((a, b) => compareLabelSets(a.labels, b.labels));
  if (selected.some((s) => s.hasHistogram)) return { status: 'skip' };
  const got = new Map<string, (number | undefined)[]>();
  for (let si = 0; si < c.steps.length; si++) {
    const groups = new Map<string, Accumulator>();
    for (const s of selected) {
      const v = instantValue(s, c.steps[si]!);
      if (v === undefined) continue;
      const gl = new Map([...s.labels].filter(([n]) =>
        mode === 'without' ? n !== '__name__' && !list.includes(n) : list.includes(n)));
      const key = labelKey(gl, false);
      const acc = groups.get(key);
      if (acc) acc.add(v);
      else { const a = make(op!, q); a.first(v); groups.set(key, a); }
    }
    for (const [key, acc] of groups) {
      let row = got.get(key);
      if (!row) { row = new Array<number | undefined>(c.steps.length).fill(undefined); got.set(key, row); }
      row[si] = acc.result();
    }
  }
  if (c.expectFail) return { status: 'skip' };
  const problems: string[] = [];
  for (const key of new Set([...got.keys(), ...c.rows.keys()])) {
    const want = c.rows.get(key) ?? [];
    const have = got.get(key) ?? [];
    for (let i = 0; i < c.steps.length; i++) {
      const x = want[i];
      const y = have[i];
      if (x === undefined && y === undefined) continue;
      if (x === undefined || y === undefined || !almostEqual(x, y, 1e-6)) problems.push(`{${key}} @${c.steps[i]}: want ${x} got ${y}`);
    }
  }
  return problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'ok' };
}

// ---- smoothed instant vector selectors: `sel smoothed` ----

const SMOOTHED_SEL = new RegExp(String.raw`^(${SEL})\s+smoothed(?:\s+offset\s+(\w+))?$`);

export function runSmoothedSelectorCase(
  c: EvalCase,
  fn: (t: Float64Array, v: Float64Array, lo: number, hi: number, dataTs: number) => number | undefined,
): CaseResult {
  const m = SMOOTHED_SEL.exec(c.expr);
  if (!m) return { status: 'skip' };
  let match: MatchFn;
  try { match = parseSelector(m[1]!); } catch { return { status: 'skip' }; }
  const offset = m[2] ? durOrSeconds(m[2]) : 0;
  const selected = c.storage.filter((s) => match(s.labels));
  if (selected.some((s) => s.hasHistogram)) return { status: 'skip' };
  const got = new Map<string, (number | undefined)[]>();
  for (const s of selected) {
    const keep = s.stale.map((x) => !x);
    const t = Float64Array.from(s.t.filter((_, i) => keep[i]));
    const v = Float64Array.from(s.v.filter((_, i) => keep[i]));
    const row = c.steps.map((ts) => {
      const d = ts - offset;
      let lo = 0;
      while (lo < t.length && t[lo]! <= d - LOOKBACK) lo++;
      let hi = lo;
      while (hi < t.length && t[hi]! <= d + LOOKBACK) hi++;
      return fn(t, v, lo, hi, d);
    });
    if (row.some((x) => x !== undefined)) got.set(labelKey(s.labels, false), row);
  }
  const problems: string[] = [];
  for (const key of new Set([...got.keys(), ...c.rows.keys()])) {
    const want = c.rows.get(key) ?? [];
    const have = got.get(key) ?? [];
    for (let i = 0; i < c.steps.length; i++) {
      const x = want[i];
      const y = have[i];
      if (x === undefined && y === undefined) continue;
      if (x === undefined || y === undefined || !almostEqual(x, y, 1e-6)) problems.push(`{${key}} @${c.steps[i]}: want ${x} got ${y}`);
    }
  }
  return problems.length ? { status: 'fail', detail: problems.join('; ') } : { status: 'ok' };
}
