/**
 * Comparison of two Prometheus API range-query answers as the compliance tester does it
 * (FORMAT.md section 10): the test side's matrix is sorted by label set, then both must have the
 * same series, label sets and timestamps, and values equal within a relative 1e-5 (NaN equals
 * NaN; infinities equal only themselves). Warnings are ignored.
 */

export interface ApiAnswer {
  /** HTTP status. */
  status: number;
  /** `success` or `error`. */
  ok: boolean;
  resultType?: string;
  result?: unknown;
  error?: string;
  errorType?: string;
}

interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export type Verdict = { same: true } | { same: false; kind: string; detail: string };

export const FRACTION = 1e-5;

function parseValue(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

export function valuesEqual(a: number, b: number, fraction = FRACTION): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(0, fraction * Math.min(Math.abs(a), Math.abs(b)));
}

function labelKey(m: Record<string, string>): string {
  return JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]));
}

function formatMetric(m: Record<string, string>): string {
  const name = m['__name__'] ?? '';
  const rest = Object.keys(m)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`);
  return `${name}{${rest.join(', ')}}`;
}

function compareLabelSets(a: Record<string, string>, b: Record<string, string>): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    const va = a[ka[i]!]!;
    const vb = b[kb[i]!]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}

export function compareAnswers(ref: ApiAnswer, test: ApiAnswer, shouldFail: boolean, skipComparison: boolean): Verdict {
  if (shouldFail) {
    if (ref.ok) return { same: false, kind: 'reference_succeeded', detail: 'expected the reference to fail, it succeeded' };
    if (test.ok) return { same: false, kind: 'unexpected_success', detail: `expected an error (reference: ${ref.error}), Canopy succeeded` };
    return { same: true };
  }
  if (!ref.ok) return { same: false, kind: 'reference_error', detail: `reference failed: ${ref.error}` };
  if (!test.ok) return { same: false, kind: 'error', detail: `Canopy failed (${test.status} ${test.errorType}): ${test.error}` };
  if (skipComparison) return { same: true };
  if (ref.resultType !== test.resultType) return { same: false, kind: 'result_type', detail: `result type ${test.resultType}, reference ${ref.resultType}` };
  if (ref.resultType !== 'matrix') return JSON.stringify(ref.result) === JSON.stringify(test.result) ? { same: true } : { same: false, kind: 'value', detail: `${JSON.stringify(test.result)} vs reference ${JSON.stringify(ref.result)}` };
  const r = ref.result as MatrixSeries[];
  const t = [...(test.result as MatrixSeries[])].sort((a, b) => compareLabelSets(a.metric, b.metric));
  if (r.length !== t.length) {
    const rk = new Set(r.map((s) => labelKey(s.metric)));
    const tk = new Set(t.map((s) => labelKey(s.metric)));
    const missing = r.filter((s) => !tk.has(labelKey(s.metric))).map((s) => formatMetric(s.metric));
    const extra = t.filter((s) => !rk.has(labelKey(s.metric))).map((s) => formatMetric(s.metric));
    return { same: false, kind: 'series_count', detail: `${t.length} series, reference ${r.length}${missing.length ? `; missing ${missing.slice(0, 3).join(' ')}` : ''}${extra.length ? `; extra ${extra.slice(0, 3).join(' ')}` : ''}` };
  }
  for (let i = 0; i < r.length; i++) {
    const rs = r[i]!;
    const ts = t[i]!;
    if (labelKey(rs.metric) !== labelKey(ts.metric)) return { same: false, kind: 'labels', detail: `series ${i}: ${formatMetric(ts.metric)}, reference ${formatMetric(rs.metric)}` };
    const n = Math.max(rs.values.length, ts.values.length);
    for (let j = 0; j < n; j++) {
      const rp = rs.values[j];
      const tp = ts.values[j];
      if (!rp || !tp || rp[0] !== tp[0]) {
        return { same: false, kind: 'timestamps', detail: `${formatMetric(rs.metric)}: ${ts.values.length} points, reference ${rs.values.length}; first difference at point ${j}: ${tp ? tp[0] : '-'} vs reference ${rp ? rp[0] : '-'}` };
      }
      const a = parseValue(rp[1]);
      const b = parseValue(tp[1]);
      if (!valuesEqual(a, b)) return { same: false, kind: 'value', detail: `${formatMetric(rs.metric)} @${rp[0]}: ${tp[1]}, reference ${rp[1]}` };
    }
  }
  return { same: true };
}
