/**
 * Request parameters of the Prometheus HTTP API, parsed exactly as Prometheus does
 * (web/api/v1/api.go): form values from the URL query and, for POST with
 * `application/x-www-form-urlencoded`, from the body (body values first, as Go's `r.FormValue`);
 * times as float unix seconds or RFC3339(Nano); durations as float seconds or Prometheus
 * duration syntax (`1h30m`).
 */
import { InvalidArgumentError } from '../model/index.js';

/** Prometheus's MinTime / MaxTime as clients (Grafana, promtool) send them for "unbounded". */
export const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
export const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';
/** What unbounded times become here, ms (JS Date's range, and what the leaves accept). */
export const MIN_TIME_MS = -8.64e15;
export const MAX_TIME_MS = 8.64e15;

/** Form values: body values before URL values for the same name (Go's `r.Form`). */
export class FormParams {
  private readonly lists = new Map<string, string[]>();

  constructor(...sources: URLSearchParams[]) {
    for (const src of sources) {
      for (const [k, v] of src) {
        let l = this.lists.get(k);
        if (!l) this.lists.set(k, (l = []));
        l.push(v);
      }
    }
  }

  /** The first value, or '' (Go's `r.FormValue`). */
  get(name: string): string {
    return this.lists.get(name)?.[0] ?? '';
  }

  has(name: string): boolean {
    return this.lists.has(name);
  }

  getAll(name: string): string[] {
    return this.lists.get(name) ?? [];
  }
}

/** Decimal floats as Go's ParseFloat reads them (Inf/NaN are refused here: no useful time). */
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's `math.Round`: half away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * A Prometheus API timestamp → ms. Float seconds keep millisecond precision (rounded, as
 * Prometheus rounds the fraction to ms); RFC3339 fractions are truncated to ms.
 */
export function parseTime(s: string): number {
  if (FLOAT_RE.test(s)) {
    const f = Number(s);
    if (Number.isFinite(f)) {
      const whole = Math.trunc(f);
      const ms = whole * 1000 + goRound((f - whole) * 1000);
      return Math.max(MIN_TIME_MS, Math.min(MAX_TIME_MS, ms));
    }
  } else {
    const m = RFC3339_RE.exec(s);
    if (m) {
      const base = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8]!.toUpperCase()}`);
      if (!Number.isNaN(base)) return base + (m[7] ? Number(m[7].padEnd(9, '0').slice(0, 3)) : 0);
    }
    if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
    if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  }
  throw new InvalidArgumentError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

const UNIT_MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/** Prometheus duration syntax (`model.ParseDuration`) → ms, or undefined. */
export function parsePromDuration(s: string): number | undefined {
  if (s === '0') return 0;
  if (s === '') return undefined;
  const m = DURATION_RE.exec(s);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[UNITS[i]!]!;
  return ms;
}

/** A Prometheus API duration (float seconds or duration syntax) → ms (fractions of a ms kept). */
export function parseDuration(s: string): number {
  if (FLOAT_RE.test(s)) {
    const ms = Number(s) * 1000;
    if (Math.abs(ms * 1e6) > 9.223372036854776e18) throw new InvalidArgumentError(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    return ms;
  }
  const d = parsePromDuration(s);
  if (d !== undefined) return d;
  throw new InvalidArgumentError(`cannot parse ${JSON.stringify(s)} to a valid duration`);
}

/** `invalid parameter "name": …` (Prometheus's invalidParamError). */
export function invalidParam(name: string, e: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`invalid parameter ${JSON.stringify(name)}: ${e instanceof Error ? e.message : String(e)}`);
}

/** A time parameter, `def` when absent or empty. */
export function timeParam(p: FormParams, name: string, def: number): number {
  const v = p.get(name);
  if (v === '') return def;
  try {
    return parseTime(v);
  } catch (e) {
    throw invalidParam(name, e);
  }
}

/** A required time parameter (Prometheus parses '' and fails with its message). */
export function requiredTimeParam(p: FormParams, name: string): number {
  try {
    return parseTime(p.get(name));
  } catch (e) {
    throw invalidParam(name, e);
  }
}

export function durationParam(p: FormParams, name: string): number | undefined {
  const v = p.get(name);
  if (v === '') return undefined;
  try {
    return parseDuration(v);
  } catch (e) {
    throw invalidParam(name, e);
  }
}

/** A non-negative integer `limit` (0 = none). */
export function limitParam(p: FormParams): number {
  const v = p.get('limit');
  if (v === '') return 0;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`invalid parameter "limit": cannot parse ${JSON.stringify(v)}: must be a non-negative integer`);
  return n;
}
