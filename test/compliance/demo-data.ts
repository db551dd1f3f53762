/**
 * A deterministic data set shaped like what the compliance tester's reference setup scrapes: three
 * instances of the PromLabs demo service (job "demo", instances demo.promlabs.com:10000…10002)
 * scraped every 5 s, with the metric families the query list uses — gauges, counters (one with a
 * reset), a classic histogram, a batch-job timestamp, and an intermittent metric that goes stale
 * (stale markers, as a scrape writes them) and comes back.
 *
 * Scrape timestamps carry a per-instance sub-second offset and a few ms of jitter, like real
 * scrapes: sample times never coincide with the whole-second boundaries of query windows, so
 * the left-closed (Prometheus 2) vs left-open (Prometheus 3) range-selector difference does not
 * arise from the data itself (it still does for subquery grids, see known-differences.ts).
 */
import type { Label } from '../../src/model/index.js';
import { rng } from '../../bench/lib-prng.js';

export const SCRAPE_INTERVAL_MS = 5_000;
/** End of the data (2026-06-01T00:00:00Z): fixed, so date functions and answers are reproducible. */
export const DATA_END_MS = 1_780_272_000_000;
/** 1 h 45 min of data: enough for the list's 1 h ranges plus 10 min offsets before a 10 min query window. */
export const DATA_SPAN_MS = 105 * 60_000;

export interface DemoSeries {
  labels: Label[];
  t: Float64Array;
  v: Float64Array;
}

function labels(name: string, instance: string, extra: Record<string, string> = {}): Label[] {
  const all: Record<string, string> = { __name__: name, instance, job: 'demo', ...extra };
  return Object.keys(all)
    .sort()
    .map((k) => ({ name: k, value: all[k]! }));
}

const BUCKETS = ['0.0001', '0.00015', '0.0002', '0.0003', '0.0005', '0.001', '0.002', '0.005', '0.01', '+Inf'];

/** Generates every series over [DATA_END − DATA_SPAN, DATA_END]. */
export function demoData(): DemoSeries[] {
  const out: DemoSeries[] = [];
  const n = Math.floor(DATA_SPAN_MS / SCRAPE_INTERVAL_MS) + 1;
  const start = DATA_END_MS - DATA_SPAN_MS;
  for (let inst = 0; inst < 3; inst++) {
    const instance = `demo.promlabs.com:${10000 + inst}`;
    const r = rng(1000 + inst);
    const offset = 1234 + 317 * inst; // ms into each scrape interval
    const times = new Float64Array(n);
    for (let k = 0; k < n; k++) times[k] = start + k * SCRAPE_INTERVAL_MS + offset - SCRAPE_INTERVAL_MS + Math.floor(r() * 4);
    const series = (name: string, extra: Record<string, string>, f: (k: number, t: number) => number): void => {
      const v = new Float64Array(n);
      for (let k = 0; k < n; k++) v[k] = f(k, times[k]!);
      out.push({ labels: labels(name, instance, extra), t: times.slice(), v });
    };

    series('up', {}, () => 1);
    series('demo_num_cpus', {}, () => (inst === 2 ? 8 : 4));
    const memBase: Record<string, number> = { buffers: 1.2e8, cached: 8.5e8, free: 2.1e9, used: 4.3e9 };
    for (const type of Object.keys(memBase)) {
      const phase = r() * 6.28;
      series('demo_memory_usage_bytes', { type }, (k) => Math.round(memBase[type]! * (1 + 0.1 * Math.sin(k / 40 + phase)) + r() * 1e6));
    }
    for (const mode of ['idle', 'system', 'user']) {
      const perSec = { idle: 3.1, system: 0.4, user: 0.9 }[mode]! * (inst + 1);
      let acc = 1000 * (inst + 1);
      // instance 1's process restarts 50 min in: its counters reset.
      series('demo_cpu_usage_seconds_total', { mode }, (k) => {
        if (inst === 1 && k === 600) acc = 0;
        acc += perSec * 5 * (0.8 + 0.4 * r());
        return Math.round(acc * 1000) / 1000;
      });
    }
    let disk = 4e10 + inst * 1e9;
    series('demo_disk_usage_bytes', {}, () => (disk += 1e5 * (0.5 + r())));
    series('demo_disk_total_bytes', {}, () => 1e11);
    let shipped = 0;
    series('demo_items_shipped_total', {}, () => (shipped += Math.floor(r() * 10)));

    // Batch job: runs every 2 min 30 s; 1 in 5 runs fails (the success timestamp then stays).
    let lastSuccess = (start - 600_000) / 1000;
    series('demo_batch_last_success_timestamp_seconds', {}, (k, t) => {
      if (k % 30 === 0 && Math.floor(k / 30) % 5 !== 3) lastSuccess = Math.floor(t / 1000) - 3;
      return lastSuccess;
    });
    series('demo_batch_last_run_duration_seconds', {}, (k) => 10 + (k % 30) * 0.1 + inst);

    // Intermittent: present 3 min, absent 2 min; a stale marker at the first missing scrape.
    // Stale markers are written as bits into the Float64Array: a NaN passing through a plain JS
    // array gets its quiet bit set, and Prometheus only takes the exact 0x7ff0000000000002.
    {
      const present = (k: number): boolean => Math.floor(k / 12) % 5 < 3;
      let m = 0;
      for (let k = 0; k < n; k++) if (present(k) || (k > 0 && present(k - 1))) m++;
      const t = new Float64Array(m);
      const v = new Float64Array(m);
      const bits = new Uint32Array(v.buffer);
      let j = 0;
      for (let k = 0; k < n; k++) {
        if (present(k)) {
          t[j] = times[k]!;
          v[j++] = inst * 10 + (k % 7);
        } else if (k > 0 && present(k - 1)) {
          t[j] = times[k]!;
          bits[2 * j] = 0x00000002;
          bits[2 * j + 1] = 0x7ff00000;
          j++;
        }
      }
      out.push({ labels: labels('demo_intermittent_metric', instance), t, v });
    }

    // Classic histogram: request durations by method, path, status.
    for (const method of ['GET', 'POST']) {
      for (const path of ['/api/foo', '/api/bar']) {
        for (const status of ['200', '500']) {
          const extra = { method, path, status };
          const rate = (status === '200' ? 20 : 1) * (method === 'GET' ? 3 : 1) * (inst + 1);
          const counts = new Float64Array(BUCKETS.length);
          let sum = 0;
          const cols = BUCKETS.map(() => new Float64Array(n));
          const sums = new Float64Array(n);
          const totals = new Float64Array(n);
          for (let k = 0; k < n; k++) {
            const reqs = Math.floor(rate * 5 * (0.7 + 0.6 * r()));
            for (let q = 0; q < reqs; q++) {
              const d = 0.00008 * Math.exp(r() * 5.5); // 0.08 ms … ~20 ms
              sum += d;
              for (let b = 0; b < BUCKETS.length; b++) if (BUCKETS[b] === '+Inf' || d <= Number(BUCKETS[b])) counts[b]!++;
            }
            for (let b = 0; b < BUCKETS.length; b++) cols[b]![k] = counts[b]!;
            sums[k] = sum;
            totals[k] = counts[BUCKETS.length - 1]!;
          }
          BUCKETS.forEach((le, b) => out.push({ labels: labels('demo_api_request_duration_seconds_bucket', instance, { ...extra, le }), t: times.slice(), v: cols[b]! }));
          out.push({ labels: labels('demo_api_request_duration_seconds_sum', instance, extra), t: times.slice(), v: sums });
          out.push({ labels: labels('demo_api_request_duration_seconds_count', instance, extra), t: times.slice(), v: totals });
        }
      }
    }
  }
  return out;
}

/** The data cut into time slices (all series, samples with t in [from, to)), for ordered ingestion. */
export function* timeSlices(data: readonly DemoSeries[], sliceMs: number): Generator<DemoSeries[]> {
  const start = DATA_END_MS - DATA_SPAN_MS - SCRAPE_INTERVAL_MS;
  for (let from = start; from <= DATA_END_MS + SCRAPE_INTERVAL_MS; from += sliceMs) {
    const to = from + sliceMs;
    const slice: DemoSeries[] = [];
    for (const s of data) {
      let lo = 0;
      while (lo < s.t.length && s.t[lo]! < from) lo++;
      let hi = lo;
      while (hi < s.t.length && s.t[hi]! < to) hi++;
      if (hi > lo) slice.push({ labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
    }
    if (slice.length > 0) yield slice;
  }
}
