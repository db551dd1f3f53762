/**
 * Prometheus durations: the `5m`, `1h30m` syntax (prometheus/common `model.ParseDuration`), their
 * canonical printing (`model.Duration.String`), and evaluation of PromQL 3 duration expressions
 * (`[5m + step()]`, `offset min_of(range(), 1h)`).
 */
import { InvalidArgumentError } from '../model/index.js';
import type { DurationExpr } from './ast.js';

const UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Unit → [order (1 = largest), ns]. */
const UNIT_MAP: Record<string, [number, bigint]> = {
  y: [1, 365n * 24n * 3600n * 1_000_000_000n],
  w: [2, 7n * 24n * 3600n * 1_000_000_000n],
  d: [3, 24n * 3600n * 1_000_000_000n],
  h: [4, 3600n * 1_000_000_000n],
  m: [5, 60n * 1_000_000_000n],
  s: [6, 1_000_000_000n],
  ms: [7, 1_000_000n],
};
const MAX_NS = 2n ** 63n - 1n;
/** Largest duration Go's time.Duration holds, in ms (≈ 292 years). */
const MAX_DURATION_MS = 9_223_372_036_854;

/**
 * Parses a duration string to ms, or returns the error message of prometheus/common
 * `model.ParseDuration`: `0` alone is 0; otherwise `<digits><unit>` groups with units from largest
 * to smallest, each at most once.
 */
export function tryParseDuration(s: string): number | string {
  if (s === '0') return 0;
  if (s === '') return 'empty duration string';
  const invalid = `not a valid duration string: ${JSON.stringify(s)}`;
  let rest = s;
  let total = 0n;
  let lastOrder = 0;
  while (rest !== '') {
    const m = /^(\d*)(\D*)/.exec(rest)!;
    if (m[1] === '' || m[2] === '') return invalid;
    const unit = UNIT_MAP[m[2]!];
    if (!unit) return `unknown unit ${JSON.stringify(m[2])} in duration ${JSON.stringify(s)}`;
    if (unit[0] <= lastOrder) return invalid;
    lastOrder = unit[0];
    const v = BigInt(m[1]!);
    if (v > 2n ** 63n / unit[1]) return 'duration out of range';
    total += v * unit[1];
    if (total > MAX_NS) return 'duration out of range';
    rest = rest.slice(m[0].length);
  }
  return Number(total / 1_000_000n);
}

/** Prometheus duration string → ms. Throws InvalidArgumentError. */
export function parseDuration(s: string): number {
  const r = tryParseDuration(s);
  if (typeof r === 'string') throw new InvalidArgumentError(r);
  return r;
}

/** `model.Duration(ms).String()`: `90s` → `1m30s`, `0` → `0s`; years/weeks only when exact. */
export function formatDuration(ms: number): string {
  if (ms < 0) return '-' + formatDuration(-ms);
  let rest = Math.trunc(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, mult] of UNITS) {
    if ((unit === 'y' || unit === 'w') && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

export interface DurationContext {
  /** The query step (range queries) or 0 for instant queries, in ms. */
  stepMs: number;
  startMs?: number;
  endMs?: number;
  /**
   * How `x / 0` and `x % 0` evaluate: 'error' (default) throws InvalidArgumentError, as
   * Prometheus does; 'ieee' gives ±Inf/NaN (the engine, which does not reject them at run time).
   */
  divisionByZero?: 'error' | 'ieee';
}

/**
 * Evaluates a duration expression in seconds (float), as Prometheus does before converting to a
 * duration: `step()` is the step, `range()` is end - start (0 for instant queries).
 */
export function evalDurationSeconds(d: DurationExpr, ctx: DurationContext): number {
  switch (d.kind) {
    case 'DurationNumber':
      return d.seconds;
    case 'DurationStep':
      return ctx.stepMs / 1000;
    case 'DurationRange':
      return ((ctx.endMs ?? 0) - (ctx.startMs ?? 0)) / 1000;
    case 'DurationUnary': {
      const v = evalDurationSeconds(d.expr, ctx);
      return d.op === '-' ? -v : v;
    }
    case 'DurationMinMax': {
      const a = evalDurationSeconds(d.args[0], ctx);
      const b = evalDurationSeconds(d.args[1], ctx);
      return d.fn === 'min_of' ? Math.min(a, b) : Math.max(a, b);
    }
    case 'DurationBinary': {
      const a = evalDurationSeconds(d.lhs, ctx);
      const b = evalDurationSeconds(d.rhs, ctx);
      switch (d.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '/':
          if (b === 0 && ctx.divisionByZero !== 'ieee') throw new InvalidArgumentError('division by zero');
          return a / b;
        case '%':
          if (b === 0 && ctx.divisionByZero !== 'ieee') throw new InvalidArgumentError('modulo by zero');
          return a % b;
        case '^':
          return Math.pow(a, b);
      }
    }
  }
}

/**
 * Evaluates a duration expression to ms, rounded to the millisecond (Prometheus rounds seconds to
 * nanoseconds; Canopy's time unit is the ms). Throws InvalidArgumentError when the value is not
 * finite or out of range.
 */
export function evalDuration(d: DurationExpr, ctx: DurationContext): number {
  const s = evalDurationSeconds(d, ctx);
  if (!Number.isFinite(s) || Math.abs(s) * 1000 > MAX_DURATION_MS) throw new InvalidArgumentError(`duration out of range: ${s}s`);
  const ms = Math.round(s * 1000);
  return ms === 0 ? 0 : ms;
}

/** Whether a duration expression contains step() or range() (so it depends on the query). */
export function durationIsConstant(d: DurationExpr): boolean {
  switch (d.kind) {
    case 'DurationNumber':
      return true;
    case 'DurationStep':
    case 'DurationRange':
      return false;
    case 'DurationUnary':
      return durationIsConstant(d.expr);
    case 'DurationMinMax':
      return durationIsConstant(d.args[0]) && durationIsConstant(d.args[1]);
    case 'DurationBinary':
      return durationIsConstant(d.lhs) && durationIsConstant(d.rhs);
  }
}
