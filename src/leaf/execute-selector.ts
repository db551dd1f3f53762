/**
 * Evaluation of a `SelectorFragment` over one tenant's series in the requested key spans.
 *
 *  - `raw`: the raw samples in [start_ms, end_ms] (no offset, no steps): zero-copy views of the
 *    head. This is what the gateway fetches to evaluate itself.
 *  - instant selector (`range_ms` = 0): at each step ts (start, start+step, …, end; only `end`
 *    when step is 0) the value of the last sample in (ts - offset - lookback, ts - offset],
 *    unless that sample is a stale marker; output timestamps are the steps.
 *  - range selector (`range_ms` > 0): the raw samples lying in any window
 *    (ts - offset - range, ts - offset], stale markers dropped (as a matrix selector does).
 *  - `labels_only`: label sets of the series with samples in the (widened) window, no samples.
 * Series with no output are left out. Output is sorted by labels.
 */
import {
  InvalidArgumentError,
  isStaleNaN,
  LimitError,
  type KeySpan,
  type Matcher,
  type MatchType,
  type Series,
} from '../model/index.js';
import type { LabelMatcher__Output } from '../rpc/gen/canopy/v1/LabelMatcher.js';
import type { SelectorFragment__Output } from '../rpc/gen/canopy/v1/SelectorFragment.js';
import type { TenantStore } from './store-tenant.js';

export const DEFAULT_LOOKBACK_MS = 300_000;
/** Bound on the steps of one evaluation (Prometheus caps a range query at 11,000 points). */
export const MAX_STEPS = 1_000_000;

const MATCH_TYPES: Record<string, MatchType> = { EQ: '=', NEQ: '!=', RE: '=~', NRE: '!~' };

export function matchersFromProto(ms: readonly LabelMatcher__Output[]): Matcher[] {
  return ms.map((m) => {
    const type = MATCH_TYPES[String(m.type)] ?? (['=', '!=', '=~', '!~'] as const)[Number(m.type)];
    if (type === undefined) throw new InvalidArgumentError(`unknown matcher type ${String(m.type)}`);
    return { type, name: m.name, value: m.value };
  });
}

/** The step timestamps of an evaluation: [end] when step is 0, else start, start+step, … ≤ end. */
export function stepTimes(start: number, end: number, step: number): Float64Array {
  if (step <= 0) return Float64Array.of(end);
  if (end < start) throw new InvalidArgumentError(`end ${end} is before start ${start}`);
  const n = Math.floor((end - start) / step) + 1;
  if (n > MAX_STEPS) throw new InvalidArgumentError(`too many steps (${n}): more than ${MAX_STEPS}; increase the step`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

export function evalSelector(store: TenantStore | undefined, spans: readonly KeySpan[] | undefined, f: SelectorFragment__Output, maxSamples = 0): Series[] {
  if (!store) return [];
  const matchers = matchersFromProto(f.matchers);
  if (matchers.length === 0) throw new InvalidArgumentError('selector needs at least one matcher');
  let out: Series[];
  if (f.raw) {
    out = store.selectSeries(matchers, spans, f.startMs, f.endMs, f.labelsOnly);
  } else {
    const steps = stepTimes(f.startMs, f.endMs, f.stepMs);
    const lookback = f.rangeMs > 0 ? f.rangeMs : f.lookbackMs > 0 ? f.lookbackMs : DEFAULT_LOOKBACK_MS;
    const first = steps[0]! - f.offsetMs - lookback;
    const last = steps[steps.length - 1]! - f.offsetMs;
    // Read (first, last]: selectSeries is inclusive, so start one ms later (integer ms).
    const raw = store.selectSeries(matchers, spans, first + 1, last, f.labelsOnly);
    if (f.labelsOnly) out = raw;
    else if (f.rangeMs > 0) out = collect(raw, (s) => rangeWindows(s, steps, f.offsetMs, f.rangeMs));
    else out = collect(raw, (s) => instantAtSteps(s, steps, f.offsetMs, lookback));
  }
  if (maxSamples > 0) {
    let total = 0;
    for (const s of out) total += s.t.length;
    if (total > maxSamples) throw new LimitError(`query would return ${total} samples from this leaf, more than the limit of ${maxSamples}`);
  }
  return out;
}

function collect(raw: Series[], f: (s: Series) => Series | undefined): Series[] {
  const out: Series[] = [];
  for (const s of raw) {
    const r = f(s);
    if (r && r.t.length > 0) out.push(r);
  }
  return out;
}

/** The last non-stale sample in (te - lookback, te] at each step te = ts - offset. */
export function instantAtSteps(s: Series, steps: Float64Array, offset: number, lookback: number): Series {
  const n = steps.length;
  const ot = new Float64Array(n);
  const ov = new Float64Array(n);
  const t = s.t;
  const v = s.v;
  let k = 0;
  let j = 0; // first sample index with t > te (moves forward as steps increase)
  for (let i = 0; i < n; i++) {
    const te = steps[i]! - offset;
    while (j < t.length && t[j]! <= te) j++;
    if (j === 0) continue;
    const idx = j - 1;
    if (t[idx]! <= te - lookback) continue;
    const val = v[idx]!;
    if (val !== val && isStaleNaN(val)) continue;
    ot[k] = steps[i]!;
    ov[k] = val;
    k++;
  }
  return { labels: s.labels, t: ot.subarray(0, k), v: ov.subarray(0, k) };
}

/** Raw samples in the union of the windows (te - range, te], without stale markers. */
export function rangeWindows(s: Series, steps: Float64Array, offset: number, range: number): Series {
  const t = s.t;
  const v = s.v;
  const ot = new Float64Array(t.length);
  const ov = new Float64Array(t.length);
  let k = 0;
  let j = 0; // next sample not yet considered
  for (let i = 0; i < steps.length; i++) {
    const te = steps[i]! - offset;
    const lo = te - range;
    while (j < t.length && t[j]! <= lo) j++;
    while (j < t.length && t[j]! <= te) {
      const val = v[j]!;
      if (!(val !== val && isStaleNaN(val))) {
        ot[k] = t[j]!;
        ov[k] = val;
        k++;
      }
      j++;
    }
  }
  return { labels: s.labels, t: ot.subarray(0, k), v: ov.subarray(0, k) };
}
