/**
 * Engine benchmark: Canopy's PromQL engine over in-memory data (no network).
 *
 * Data: synthetic Prometheus-like series, 6 h at 15 s (1,441 samples each), default 10,000 series:
 * per (job, instance) 20 `http_requests_total{method,status}` counters, 24
 * `http_request_duration_seconds_bucket{method,le}` cumulative buckets (2 methods × 12 `le`) and one
 * `node_info{version,region}` for a group_left join. Range queries over the last hour at 15 s step;
 * one warm-up, then the median of N runs (default 5).
 *
 * samples/s = samples the engine reports it read (stats.samples) per second of query time; when
 * the engine reports 0, the samples inside the selectors' windows are counted instead.
 * Summary keys: queries, median_ms{name}, samples_per_s{name}, series, samples_loaded.
 * Args: --series N (default 10000), --runs N (default 5), --hours H (default 6).
 */
import { Engine } from '../src/engine/index.js';
import { MemoryQuerier, type Label, type Labels, type Series } from '../src/model/index.js';
import type { BenchOptions, BenchResult } from './run.js';
import { rng as prng } from './lib-prng.js';

const STEP_MS = 15_000;
const REQ_METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const STATUSES = ['200', '201', '404', '500', '503'];
const BUCKET_METHODS = ['GET', 'POST'];
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const SERIES_PER_INSTANCE = REQ_METHODS.length * STATUSES.length + BUCKET_METHODS.length * LES.length + 1;
const JOBS = 10;

export const QUERIES: Record<string, string> = {
  sum_rate: 'sum by (job) (rate(http_requests_total[5m]))',
  histogram_quantile: 'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))',
  topk: 'topk(10, rate(http_requests_total[5m]))',
  group_left: 'sum by (job, instance) (rate(http_requests_total[5m])) * on (job, instance) group_left (version, region) node_info',
};

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : def;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function labels(pairs: Record<string, string>): Labels {
  const out: Label[] = Object.entries(pairs).map(([name, value]) => ({ name, value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface BenchData {
  series: Series[];
  startMs: number;
  endMs: number;
  samples: number;
}

/** Builds about `target` series; all share one timestamp column (scrapes are aligned). */
export function buildData(target: number, hours: number): BenchData {
  const n = Math.round((hours * 3_600_000) / STEP_MS) + 1;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = i * STEP_MS;
  const instances = Math.max(1, Math.round(target / SERIES_PER_INSTANCE));
  const rnd = prng(42);
  const series: Series[] = [];
  for (let k = 0; k < instances; k++) {
    const job = `job-${k % JOBS}`;
    const instance = `10.0.${Math.floor(k / 250)}.${k % 250}:9100`;
    for (const method of REQ_METHODS) {
      for (const status of STATUSES) {
        const base = (status.startsWith('2') ? 20 : 1) * (0.5 + rnd()) * (method === 'GET' ? 4 : 1);
        const v = new Float64Array(n);
        let acc = 0;
        for (let i = 0; i < n; i++) {
          // Counter with noise and a rare restart (reset to a small value).
          if (rnd() < 0.0005) acc = 0;
          acc += base * STEP_MS / 1000 * (0.8 + 0.4 * rnd());
          v[i] = Math.round(acc);
        }
        series.push({ labels: labels({ __name__: 'http_requests_total', job, instance, method, status }), t, v });
      }
    }
    for (const method of BUCKET_METHODS) {
      // Observations per scrape spread over the buckets; cumulative across le and over time.
      const cols = LES.map(() => new Float64Array(n));
      const cum = new Float64Array(LES.length);
      const speed = 0.3 + rnd();
      for (let i = 0; i < n; i++) {
        const obs = 50 + Math.floor(100 * rnd());
        let below = 0;
        for (let b = 0; b < LES.length; b++) {
          const le = b === LES.length - 1 ? Infinity : Number(LES[b]);
          const frac = le === Infinity ? 1 : 1 - Math.exp(-le / (0.1 * speed));
          const upTo = Math.round(obs * frac);
          below = Math.max(below, upTo);
          cum[b]! += below;
          cols[b]![i] = cum[b]!;
        }
      }
      LES.forEach((le, b) =>
        series.push({ labels: labels({ __name__: 'http_request_duration_seconds_bucket', job, instance, method, le }), t, v: cols[b]! }),
      );
    }
    const info = new Float64Array(n).fill(1);
    series.push({ labels: labels({ __name__: 'node_info', job, instance, version: `1.${k % 7}.0`, region: `r${k % 3}` }), t, v: info });
  }
  return { series, startMs: 0, endMs: t[n - 1]!, samples: series.length * n };
}

/** Samples inside [start − 5m, end] for the series a query selects (fallback when stats are absent). */
function windowSamples(data: BenchData, metric: string, startMs: number, endMs: number): number {
  const from = startMs - 300_000;
  let perSeries = 0;
  const t = data.series[0]!.t;
  for (let i = 0; i < t.length; i++) if (t[i]! > from && t[i]! <= endMs) perSeries++;
  return perSeries * data.series.filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === metric)).length;
}

const METRIC_OF: Record<string, string> = {
  sum_rate: 'http_requests_total',
  histogram_quantile: 'http_request_duration_seconds_bucket',
  topk: 'http_requests_total',
  group_left: 'http_requests_total',
};

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const target = arg(opts.args, 'series', 10_000);
  const runs = arg(opts.args, 'runs', 5);
  const hours = arg(opts.args, 'hours', 6);
  const t0 = performance.now();
  const data = buildData(target, hours);
  const querier = new MemoryQuerier(data.series);
  opts.log(`engine: ${data.series.length.toLocaleString('en-US')} series, ${data.samples.toLocaleString('en-US')} samples built in ${Math.round(performance.now() - t0)} ms`);
  const engine = new Engine({ maxSamples: 500_000_000 });
  const endMs = data.endMs;
  const startMs = Math.max(data.startMs, endMs - 3_600_000);
  const rows: Record<string, string | number>[] = [];
  const medianMs: Record<string, number> = {};
  const samplesPerS: Record<string, number> = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const once = async (): Promise<{ ms: number; samples: number; series: number; source: string }> => {
      const q0 = performance.now();
      const out = await engine.range(querier, query, startMs, endMs, STEP_MS);
      const ms = performance.now() - q0;
      const seriesOut = out.value.resultType === 'matrix' ? out.value.series.length : 0;
      if (seriesOut === 0) throw new Error(`${name}: empty result`);
      const fromStats = out.stats.samples > 0;
      const samples = fromStats ? out.stats.samples : windowSamples(data, METRIC_OF[name]!, startMs, endMs);
      return { ms, samples, series: seriesOut, source: fromStats ? 'stats' : 'window' };
    };
    await once(); // warm-up
    const times: number[] = [];
    let last = { ms: 0, samples: 0, series: 0, source: '' };
    for (let r = 0; r < runs; r++) {
      last = await once();
      times.push(last.ms);
      opts.log(`${name} run ${r + 1}/${runs}: ${last.ms.toFixed(1)} ms`);
    }
    const med = median(times);
    medianMs[name] = Number(med.toFixed(2));
    samplesPerS[name] = Math.round(last.samples / (med / 1000));
    rows.push({ query: name, median_ms: medianMs[name]!, samples: last.samples, samples_per_s: samplesPerS[name]!, series_out: last.series, samples_from: last.source });
  }
  return {
    title: `engine: ${data.series.length.toLocaleString('en-US')} series × ${hours} h at 15 s in memory; range queries over 1 h at 15 s (median of ${runs})`,
    rows,
    summary: { queries: Object.keys(QUERIES), median_ms: medianMs, samples_per_s: samplesPerS, series: data.series.length, samples_loaded: data.samples },
  };
}
