/**
 * Documented differences between the reference (Debian's Prometheus 2.42) and Canopy, which
 * implements Prometheus 3 semantics (the version of ../shared/promql-testdata/upstream). A query
 * whose answers differ AND that an entry here explains is counted as a known difference — never
 * as passed — and reported with its reason.
 *
 * Where Prometheus 2.42 can be made to compute the Prometheus 3 answer by rewriting the query
 * (`referenceEquivalent`), the harness runs that rewrite against the reference and requires it to
 * equal Canopy's answer to the original query: the difference is then proven to be exactly the
 * documented one (and nothing else), otherwise the query counts as failed.
 */
export interface KnownDifference {
  id: string;
  /** Which queries it can explain. */
  match: RegExp;
  /** Which kinds of verdict it explains (see compare.ts). */
  kinds: readonly string[];
  reason: string;
  /** The query Prometheus 2.42 must answer exactly as Canopy answers the original. */
  referenceEquivalent?: (query: string) => string;
}

/** `[5m:10s]` → `[299999ms:10s]`: 2.x's closed window minus its left edge = 3.x's left-open window. */
function leftOpenSubqueries(q: string): string {
  return q.replace(/\[(\d+)([smh]):(\d+[smh])\]/g, (_, n: string, unit: string, step: string) => `[${Number(n) * { s: 1000, m: 60_000, h: 3_600_000 }[unit as 's' | 'm' | 'h']! - 1}ms:${step}]`);
}

/** `[1m]` → `[59999ms]` on range selectors (not subqueries). */
function leftOpenRanges(q: string): string {
  return q.replace(/\[(\d+)([smh])\]/g, (_, n: string, unit: string) => `[${Number(n) * { s: 1000, m: 60_000, h: 3_600_000 }[unit as 's' | 'm' | 'h']! - 1}ms]`);
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    id: 'utf8-label-names',
    match: /^label_(replace|join)\(.*"~invalid"/,
    kinds: ['unexpected_success'],
    reason:
      'Prometheus 3 accepts any UTF-8 string as a label name (UTF-8 names are on by default since 3.0), so label_replace/label_join may write the label "~invalid"; Prometheus 2.42 allows only [a-zA-Z_][a-zA-Z0-9_]* and fails with "invalid destination label name".',
  },
  {
    id: 'left-open-subquery-range',
    match: /\[\d+[smh]:\d+[smh]\]/,
    kinds: ['value', 'timestamps', 'series_count'],
    reason:
      'Prometheus 3 range windows are left-open (t-range, t]; 2.x windows are closed [t-range, t]. A subquery grid is aligned to its step, so with t on that grid the point at exactly t-range is in 2.42\'s window and not in 3\'s (verified: 2.42 answers the query with each subquery range shortened by 1 ms exactly as Canopy answers the original).',
    referenceEquivalent: leftOpenSubqueries,
  },
  {
    id: 'left-open-range-selector',
    match: /\[\d+[smh]\]/,
    kinds: ['value', 'timestamps', 'series_count'],
    reason:
      'Prometheus 3 range selectors are left-open (t-range, t]; 2.x includes a sample at exactly t-range (verified the same way: ranges shortened by 1 ms on the reference). The demo data\'s scrape offsets make this rare.',
    referenceEquivalent: leftOpenRanges,
  },
];

export function explain(query: string, kind: string): KnownDifference | undefined {
  return KNOWN_DIFFERENCES.find((d) => d.match.test(query) && d.kinds.includes(kind));
}
