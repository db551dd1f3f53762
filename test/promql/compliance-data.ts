/**
 * Synthetic stand-in for the PromLabs demo service the compliance query list expects
 * (`demo_*` metrics of three instances, job "demo"), deterministic, scraped every 5 s. Not the real
 * service's values: the compliance run here is differential (engine over memory vs the gateway),
 * so only the shape matters — gauges, counters with resets, classic histograms, gaps.
 */
import type { Label, Labels, Series } from '../../src/model/index.js';
import { rng as prng } from '../../bench/lib-prng.js';

export const COMPLIANCE_SCRAPE_MS = 5_000;
/** Data end (ms); queries run over the 10 minutes before it. */
export const COMPLIANCE_END = Date.UTC(2026, 0, 1, 12);

const INSTANCES = ['demo.promlabs.com:10000', 'demo.promlabs.com:10001', 'demo.promlabs.com:10002'];
const LES = ['0.0001', '0.00015', '0.0002', '0.0003', '0.0004', '0.0005', '0.001', '0.005', '0.01', '0.05', '+Inf'];

function labels(rec: Record<string, string>): Labels {
  const out: Label[] = Object.entries(rec).map(([name, value]) => ({ name, value }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `hours` of data ending at COMPLIANCE_END. */
export function complianceSeries(hours = 2): Series[] {
  const n = Math.round((hours * 3_600_000) / COMPLIANCE_SCRAPE_MS) + 1;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = COMPLIANCE_END - (n - 1 - i) * COMPLIANCE_SCRAPE_MS;
  const rnd = prng(7);
  const out: Series[] = [];
  const gauge = (f: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => f(i));
  INSTANCES.forEach((instance, k) => {
    const base = { job: 'demo', instance };
    for (const [j, type] of ['buffers', 'cached', 'free', 'used'].entries()) {
      const level = (j + 1) * 1e9 * (1 + k / 10);
      out.push({ labels: labels({ __name__: 'demo_memory_usage_bytes', ...base, type }), t, v: gauge((i) => Math.round(level + 2e8 * Math.sin(i / (50 + 10 * j)) + 1e7 * rnd())) });
    }
    for (const [j, mode] of ['idle', 'system', 'user'].entries()) {
      let acc = 0;
      out.push({
        labels: labels({ __name__: 'demo_cpu_usage_seconds_total', ...base, mode }),
        t,
        v: gauge((i) => {
          if (i > 0 && i % (400 + 97 * j + 31 * k) === 0) acc = 0; // restarts
          acc += (0.5 + j) * 5 * (0.8 + 0.4 * rnd());
          return acc;
        }),
      });
    }
    out.push({ labels: labels({ __name__: 'demo_num_cpus', ...base }), t, v: gauge(() => 4 + k) });
    out.push({ labels: labels({ __name__: 'demo_disk_total_bytes', ...base }), t, v: gauge(() => 1e11) });
    out.push({ labels: labels({ __name__: 'demo_disk_usage_bytes', ...base }), t, v: gauge((i) => 5e10 + i * 1e5 * (1 + k) + 1e6 * Math.sin(i / 30)) });
    let last = t[0]! / 1000;
    out.push({
      labels: labels({ __name__: 'demo_batch_last_success_timestamp_seconds', ...base }),
      t,
      v: gauge((i) => {
        if (i % (60 + 12 * k) === 0) last = t[i]! / 1000;
        return last;
      }),
    });
    // Intermittent: present for 2 minutes of every 5 (a series with gaps, no stale markers).
    const present: number[] = [];
    for (let i = 0; i < n; i++) if (((i * COMPLIANCE_SCRAPE_MS) / 60_000) % 5 < 2) present.push(i);
    out.push({ labels: labels({ __name__: 'demo_intermittent_metric', ...base }), t: Float64Array.from(present, (i) => t[i]!), v: Float64Array.from(present, (i) => i % 7) });
    for (const method of ['GET', 'POST']) {
      for (const path of ['/api/foo', '/api/bar']) {
        const status = '200';
        const cum = new Float64Array(LES.length);
        const cols = LES.map(() => new Float64Array(n));
        const sum = new Float64Array(n);
        const count = new Float64Array(n);
        let s = 0;
        for (let i = 0; i < n; i++) {
          const obs = 10 + Math.floor(20 * rnd());
          for (let b = 0; b < LES.length; b++) {
            const le = LES[b] === '+Inf' ? Infinity : Number(LES[b]);
            const frac = le === Infinity ? 1 : Math.min(1, 1 - Math.exp(-le / (0.0003 * (1 + k / 3))));
            cum[b]! += Math.round(obs * frac);
            cols[b]![i] = cum[b]!;
          }
          s += obs * 0.0003;
          sum[i] = s;
          count[i] = cum[LES.length - 1]!;
        }
        const sel = { ...base, method, path, status };
        LES.forEach((le, b) => out.push({ labels: labels({ __name__: 'demo_api_request_duration_seconds_bucket', ...sel, le }), t, v: cols[b]! }));
        out.push({ labels: labels({ __name__: 'demo_api_request_duration_seconds_sum', ...sel }), t, v: sum });
        out.push({ labels: labels({ __name__: 'demo_api_request_duration_seconds_count', ...sel }), t, v: count });
      }
    }
  });
  return out;
}
