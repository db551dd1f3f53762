/**
 * Seeded random data and random PromQL for the differential tests (distributed vs single node):
 * compositions of selectors, range functions, per-series functions, aggregations (every
 * grouping shape), binary operations (scalar, within-target and cross-target matching), offsets,
 * `@`, subqueries and histogram_quantile. Reproducible: same seed, same data and queries.
 */
import type { Labels, Series } from '../src/model/index.js';
import { rng } from '../bench/lib-prng.js';

export const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000);
export const SCRAPE_MS = 15_000;
export const DATA_MINUTES = 40;
export const JOBS = ['api', 'batch', 'cache', 'db', 'edge', 'web'];
export const INSTANCES = ['0', '1', '2', '3', '4'];
const LE = ['0.1', '0.5', '1', '5', '+Inf'];

function labels(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

/** Series with gaps, late starts, early ends and counter resets. */
export function randomData(seed: number): Series[] {
  const r = rng(seed);
  const n = (DATA_MINUTES * 60_000) / SCRAPE_MS;
  const out: Series[] = [];
  const series = (rec: Record<string, string>, next: (i: number, prev: number) => number): void => {
    const from = r() < 0.2 ? Math.floor(r() * n * 0.5) : 0;
    const to = r() < 0.2 ? n - Math.floor(r() * n * 0.4) : n;
    const t: number[] = [];
    const v: number[] = [];
    let prev = 0;
    for (let i = from; i < to; i++) {
      prev = next(i, prev);
      if (r() < 0.05) continue;
      t.push(T0 + i * SCRAPE_MS + (r() < 0.3 ? Math.floor(r() * 2000) : 0));
      v.push(prev);
    }
    if (t.length > 0) out.push({ labels: labels(rec), t: Float64Array.from(t), v: Float64Array.from(v) });
  };
  for (const job of JOBS) {
    for (const instance of INSTANCES) {
      if (r() < 0.15) continue;
      for (const mode of ['idle', 'busy']) {
        series({ __name__: 'req_total', job, instance, mode }, (_i, p) => (r() < 0.01 ? r() * 5 : p + Math.floor(r() * 20)));
        series({ __name__: 'temp', job, instance, mode }, () => Math.round((r() * 100 - 20) * 100) / 100);
      }
      if (r() < 0.6) {
        for (const le of LE) {
          const w = 1 + LE.indexOf(le);
          series({ __name__: 'lat_bucket', job, instance, le }, (_i, p) => p + r() * w);
        }
      }
    }
  }
  return out;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

export class QueryGen {
  constructor(private readonly r: () => number) {}

  private chance(p: number): boolean {
    return this.r() < p;
  }

  matchers(): string {
    const r = this.r;
    return pick(r, ['', '', '{job="api"}', '{job=~"api|db|web"}', '{instance!="1"}', '{mode="busy"}', '{job="db",instance="2"}', '{job!~"cache"}']);
  }

  modifiers(): string {
    if (this.chance(0.12)) return ` offset ${pick(this.r, ['1m', '5m', '90s'])}`;
    if (this.chance(0.05)) return ` @ ${(T0 + 20 * 60_000) / 1000}`;
    return '';
  }

  metric(counter: boolean): string {
    const m = counter ? pick(this.r, ['req_total', 'req_total', 'lat_bucket']) : 'temp';
    return m + this.matchers();
  }

  rangeFn(): string {
    const counter = this.chance(0.6);
    const range = pick(this.r, ['1m', '2m', '5m']);
    const sel = `${this.metric(counter)}[${range}]${this.modifiers()}`;
    const fns = counter
      ? ['rate', 'increase', 'irate', 'resets', 'changes']
      : ['avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'stddev_over_time', 'last_over_time', 'delta', 'deriv', 'present_over_time'];
    const f = pick(this.r, fns);
    if (!counter && this.chance(0.1)) return `quantile_over_time(0.75, ${sel})`;
    if (!counter && this.chance(0.1)) return `predict_linear(${sel}, 60)`;
    return `${f}(${sel})`;
  }

  grouping(): string {
    return pick(this.r, ['', '', ' by (job)', ' by (instance)', ' by (job, instance)', ' by (mode)', ' without (instance)', ' without (mode)', ' by (job, mode)', ' without (job, instance)']);
  }

  aggregate(depth: number): string {
    const inner = this.vector(depth + 1);
    // topk/bottomk only at the root: which of several series with equal values they keep is not
    // defined by PromQL, and below other operators that choice changes the answer.
    const ops = ['sum', 'sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'quantile', 'count_values'];
    const op = pick(this.r, depth === 0 ? [...ops, 'topk', 'bottomk'] : ops);
    const g = this.grouping();
    if (op === 'topk' || op === 'bottomk') return `${op}${g} (${pick(this.r, ['1', '2', '3'])}, ${inner})`;
    if (op === 'quantile') return `quantile${g} (${pick(this.r, ['0.5', '0.9', '0'])}, ${inner})`;
    if (op === 'count_values') return `count_values${g} ("v", round(${inner}))`;
    return `${op}${g} (${inner})`;
  }

  vector(depth = 0): string {
    const deep = depth >= 3;
    const k = deep ? this.r() * 0.45 : this.r();
    if (k < 0.15) return `${this.metric(this.chance(0.5))}${this.modifiers()}`;
    if (k < 0.45) return this.rangeFn();
    if (k < 0.55) {
      const f = pick(this.r, ['abs(X)', 'ceil(X)', 'clamp_min(X, 0.5)', 'clamp(X, 0, 10)', 'round(X, 0.1)', '-X', 'sqrt(abs(X))', 'timestamp(X)', 'label_replace(X, "dst", "$1", "job", "(.)")']);
      return f.replace('X', this.vector(depth + 1));
    }
    if (k < 0.75) return this.aggregate(depth);
    if (k < 0.85) {
      const x = this.vector(depth + 1);
      return pick(this.r, [`${x} * 2`, `${x} + 1`, `${x} > 0.5`, `2 - ${x}`, `${x} >= bool 3`, `${x} / 10`]);
    }
    if (k < 0.93) {
      const a = this.aggregate(depth + 1);
      const b = this.aggregate(depth + 1);
      return `${a} ${pick(this.r, ['+', '/', '-', 'or', 'and', 'unless'])} ${pick(this.r, ['', 'on (job) ', 'ignoring (mode) ', 'on () '])}${b}`;
    }
    if (k < 0.97) {
      const sub = this.chance(0.5) ? this.aggregate(depth + 1) : this.rangeFn();
      return `${pick(this.r, ['max_over_time', 'avg_over_time', 'min_over_time', 'sum_over_time'])}((${sub})[${pick(this.r, ['5m', '10m'])}:${pick(this.r, ['1m', '30s', ''])}]${this.modifiers()})`;
    }
    return `histogram_quantile(${pick(this.r, ['0.5', '0.9', '0.99'])}, sum by (le${pick(this.r, ['', ', job', ', instance'])}) (rate(lat_bucket${this.matchers()}[5m])))`;
  }

  /** A query and how to run it. */
  next(): { query: string; kind: 'instant' | 'range'; timeMs: number; startMs: number; endMs: number; stepMs: number } {
    const query = this.vector();
    const kind = this.chance(0.5) ? 'instant' : 'range';
    const timeMs = T0 + Math.floor((5 + this.r() * (DATA_MINUTES - 3)) * 60_000 / 1000) * 1000;
    const startMs = T0 + Math.floor(this.r() * 15) * 60_000 + pick(this.r, [0, 0, 7_000]);
    const stepMs = pick(this.r, [15_000, 30_000, 60_000, 45_000]);
    const endMs = startMs + pick(this.r, [10, 20, 30]) * 60_000;
    return { query, kind, timeMs, startMs, endMs, stepMs };
  }
}
