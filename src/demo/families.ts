/**
 * The demo data set: deterministic synthetic series shaped like a real Prometheus server's
 * scrape of 20 jobs × 50 instances, one sample every 15 s.
 *
 * Each metric family is a `Family`: its label sets plus a stepper that computes the value of
 * every series at sample index k (column-wise, into a Float64Array), driven by one seeded PRNG
 * per family. Historical samples are k = 0 … DEMO_SAMPLES-1 (ending at DEMO_END); the live
 * generator keeps calling `step` with later k, so counters continue where history stopped.
 */
import { labelsFromRecord, rng, type Labels } from '../model/index.js';

/** The last historical sample time: 2026-01-01T00:00:00Z. Reproducible queries use this time. */
export const DEMO_END = Date.UTC(2026, 0, 1);
export const DEMO_STEP_MS = 15_000;
/** 6 h of history at 15 s, the last sample at DEMO_END. */
export const DEMO_SAMPLES = (6 * 3600_000) / DEMO_STEP_MS + 1;
export const DEMO_START = DEMO_END - (DEMO_SAMPLES - 1) * DEMO_STEP_MS;

export const DEMO_JOBS: readonly string[] = [
  'api-gateway', 'auth', 'billing', 'cart', 'catalog', 'checkout', 'frontend', 'inventory', 'mailer', 'node',
  'notifications', 'orders', 'payments', 'recommendations', 'reviews', 'search', 'shipping', 'users', 'ads', 'prometheus',
];
export const DEMO_INSTANCES_PER_JOB = 50;
/** Jobs that also export a request-latency histogram. */
export const HISTOGRAM_JOBS: readonly string[] = ['api-gateway', 'checkout', 'frontend'];
export const CPU_JOB = 'node';
export const HISTOGRAM_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, Infinity];

export interface Family {
  readonly name: string;
  readonly series: readonly Labels[];
  /** Writes the value of every series at sample index k into out[0 … series.length-1]. */
  step(k: number, out: Float64Array): void;
}

/** The demo's PRNG: the project's seedable mulberry32 (src/model/prng.ts). */
export const prng = rng;

export interface Target {
  job: string;
  instance: string;
}

export function demoTargets(): Target[] {
  const out: Target[] = [];
  DEMO_JOBS.forEach((job, j) => {
    const port = job === CPU_JOB ? 9100 : job === 'prometheus' ? 9090 : 8080;
    for (let i = 0; i < DEMO_INSTANCES_PER_JOB; i++) out.push({ job, instance: `10.0.${j + 1}.${i + 1}:${port}` });
  });
  return out;
}

/** Daily-ish load shape: 1 ± 0.3 over a 6 h period, so the demo window shows a wave. */
function load(k: number): number {
  return 1 + 0.3 * Math.sin((2 * Math.PI * k) / DEMO_SAMPLES);
}

/** `up`: 1 almost always; a few targets have stretches of 0 (down for 1–10 minutes). */
function upFamily(targets: Target[]): Family {
  const rnd = prng(1);
  const downUntil = new Int32Array(targets.length).fill(-1);
  return {
    name: 'up',
    series: targets.map((t) => labelsFromRecord({ __name__: 'up', job: t.job, instance: t.instance })),
    step(k, out) {
      for (let s = 0; s < targets.length; s++) {
        if (downUntil[s]! >= k) out[s] = 0;
        else if (rnd() < 0.00003) {
          downUntil[s] = k + 4 + Math.floor(rnd() * 36);
          out[s] = 0;
        } else out[s] = 1;
      }
    },
  };
}

const REQUEST_KINDS = [
  { method: 'GET', code: '200', share: 1 },
  { method: 'GET', code: '500', share: 0.01 },
  { method: 'POST', code: '200', share: 0.25 },
] as const;

/** `http_requests_total{method,code}`: counters with per-target rates and rare resets. */
function requestsFamily(targets: Target[]): Family {
  const rnd = prng(2);
  const series: Labels[] = [];
  const rate: number[] = [];
  for (const t of targets) {
    const base = 2 + rnd() * 40; // req/s of the target
    for (const r of REQUEST_KINDS) {
      series.push(labelsFromRecord({ __name__: 'http_requests_total', job: t.job, instance: t.instance, method: r.method, code: r.code }));
      rate.push(base * r.share);
    }
  }
  const value = new Float64Array(series.length);
  for (let s = 0; s < value.length; s++) value[s] = Math.floor(rnd() * 1e5);
  return {
    name: 'http_requests_total',
    series,
    step(k, out) {
      const l = load(k);
      for (let s = 0; s < value.length; s++) {
        if (rnd() < 0.00002) value[s] = 0; // process restart: counter reset
        else value[s]! += Math.round(rate[s]! * 15 * l * (0.8 + 0.4 * rnd()));
        out[s] = value[s]!;
      }
    },
  };
}

const CPU_MODES = [
  { mode: 'idle', share: 0.7 },
  { mode: 'system', share: 0.08 },
  { mode: 'user', share: 0.2 },
  { mode: 'iowait', share: 0.02 },
] as const;

/** `node_cpu_seconds_total{cpu,mode}` for the node job: 2 CPUs × 4 modes per instance. */
function cpuFamily(targets: Target[]): Family {
  const rnd = prng(3);
  const series: Labels[] = [];
  const share: number[] = [];
  for (const t of targets) {
    if (t.job !== CPU_JOB) continue;
    for (const cpu of ['0', '1']) {
      for (const m of CPU_MODES) {
        series.push(labelsFromRecord({ __name__: 'node_cpu_seconds_total', job: t.job, instance: t.instance, cpu, mode: m.mode }));
        share.push(m.share);
      }
    }
  }
  const value = new Float64Array(series.length);
  for (let s = 0; s < value.length; s++) value[s] = Math.round(share[s]! * 86400 * 30 * (0.9 + 0.2 * rnd()) * 100) / 100;
  return {
    name: 'node_cpu_seconds_total',
    series,
    step(_k, out) {
      for (let s = 0; s < value.length; s++) {
        value[s]! += Math.round(share[s]! * 15 * (0.7 + 0.6 * rnd()) * 100) / 100;
        out[s] = value[s]!;
      }
    },
  };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * `http_request_duration_seconds` classic histograms (`_bucket{le}`, `_sum`, `_count`) for the
 * HISTOGRAM_JOBS: log-normal latencies with a per-target median; buckets stay cumulative.
 */
function histogramFamily(targets: Target[]): Family {
  const rnd = prng(4);
  const hTargets = targets.filter((t) => HISTOGRAM_JOBS.includes(t.job));
  const nb = HISTOGRAM_BUCKETS.length;
  const per = nb + 2; // buckets, sum, count
  const series: Labels[] = [];
  const cdf: number[] = [];
  const mean: number[] = [];
  const rate: number[] = [];
  const name = 'http_request_duration_seconds';
  for (const t of hTargets) {
    const median = 0.02 + rnd() * 0.15;
    const sigma = 0.8;
    for (const le of HISTOGRAM_BUCKETS) {
      series.push(labelsFromRecord({ __name__: `${name}_bucket`, job: t.job, instance: t.instance, le: le === Infinity ? '+Inf' : String(le) }));
      cdf.push(le === Infinity ? 1 : normCdf(Math.log(le / median) / sigma));
    }
    series.push(labelsFromRecord({ __name__: `${name}_sum`, job: t.job, instance: t.instance }));
    series.push(labelsFromRecord({ __name__: `${name}_count`, job: t.job, instance: t.instance }));
    mean.push(median * Math.exp((sigma * sigma) / 2));
    rate.push(5 + rnd() * 30);
  }
  // Start from the counts of a process that has been up for 1–30 days: a histogram whose
  // counters start at 0 would make rate() extrapolation differ per bucket at the window start.
  const value = new Float64Array(series.length);
  for (let h = 0; h < hTargets.length; h++) {
    const n0 = Math.round(rate[h]! * 86_400 * (1 + rnd() * 29));
    const base = h * per;
    for (let b = 0; b < nb; b++) value[base + b] = Math.floor(n0 * cdf[h * nb + b]!);
    value[base + nb] = n0 * mean[h]!;
    value[base + nb + 1] = n0;
  }
  return {
    name,
    series,
    step(k, out) {
      const l = load(k);
      for (let h = 0; h < hTargets.length; h++) {
        const n = Math.round(rate[h]! * 15 * l * (0.8 + 0.4 * rnd()));
        const base = h * per;
        for (let b = 0; b < nb; b++) value[base + b]! += Math.floor(n * cdf[h * nb + b]!);
        value[base + nb]! += n * mean[h]! * (0.9 + 0.2 * rnd());
        value[base + nb + 1] = value[base + nb - 1]!; // _count equals the +Inf bucket
        for (let i = base; i < base + per; i++) out[i] = value[i]!;
      }
    },
  };
}

/** The demo families in load order: `up` first so it is queryable as soon as possible. */
export function demoFamilies(): Family[] {
  const targets = demoTargets();
  return [upFamily(targets), requestsFamily(targets), cpuFamily(targets), histogramFamily(targets)];
}
