/**
 * Annotations: Prometheus's non-fatal warnings and infos, worded exactly as upstream
 * (util/annotations/annotations.go), collected as sets (a message produced twice counts once).
 */
export class Annotations {
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();

  warn(msg: string): void {
    this.warnings.add(`PromQL warning: ${msg}`);
  }
  info(msg: string): void {
    this.infos.add(`PromQL info: ${msg}`);
  }
}

/** Go's %q for plain strings (enough for label values and metric names). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %g for a float64 (shortest repr; exponent when exp < -4 || exp >= 21). */
export function goG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 21) {
    const s = x.toExponential();
    const [m, e] = s.split('e');
    const en = Number(e);
    return `${m}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  return String(x);
}

export const MSG = {
  possibleNonCounter: (name: string) => `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${goQuote(name)}`,
  invalidQuantile: (q: number) => `quantile value should be between 0 and 1, got ${goG(q)}`,
  invalidRatio: (r: number, capped: number) => `ratio value should be between -1 and 1, got ${goG(r)}, capping to ${goG(capped)}`,
  badBucketLabel: (le: string, name: string) => `bucket label "le" is missing or has a malformed value of ${goQuote(le)} for metric name ${goQuote(name)}`,
  forcedMonotonicity: (name: string) =>
    `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${goQuote(name)}`,
  sortIneffective: () => 'sort is ineffective for range queries since results are always ordered by labels',
};
