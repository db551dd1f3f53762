/** Go number formatting used by Prometheus messages (fmt `%g` and `%f` of a float64). */

/** Go `fmt.Sprintf("%g", x)`: shortest round-trip digits; exponent form when exp < -4 or exp >= 6. */
export function formatGoG(x: number): string {
  if (x !== x) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(); // shortest round-trip digits, e.g. "1.5e+6", "-2e-7"
  const k = e.indexOf('e');
  const exp = Number(e.slice(k + 1));
  if (exp < -4 || exp >= 6) {
    const mant = e.slice(0, k);
    const sign = exp < 0 ? '-' : '+';
    const abs = Math.abs(exp);
    return `${mant}e${sign}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(x);
}

/** Go `fmt.Sprintf("%f", x)`: 6 decimals; ±Inf as "+Inf"/"-Inf". */
export function formatGoF(x: number): string {
  if (x !== x) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  return x.toFixed(6);
}

/** Upstream `NewInvalidQuantileWarning` text (harness form, no position suffix). */
export function invalidQuantileWarning(q: number): string {
  return `PromQL warning: quantile value should be between 0 and 1, got ${formatGoG(q)}`;
}
