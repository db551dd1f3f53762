/**
 * Ingest throughput: samples/s written through the gateway's Write gRPC into 3 leaves (real gRPC
 * on loopback, servers in this process), batches of 10k samples, 4 in flight. Each run starts a
 * fresh cluster and writes the same data set: 2,000 series (20 jobs × 100 instances) × 1,000
 * samples at 15 s. One warm-up run, then the median of 5 runs. Summary keys: ingest_samples_per_s, ingest_runs_samples_per_s.
 *
 * Also, in the same clusters, the scrape-shaped case: batches of 10,000 series × 1 sample (what a
 * Prometheus scrape or remote-write looks like, dominated by per-series cost), 5 batches per run,
 * one in flight: ingest_scrape_samples_per_s.
 */
import type { BenchOptions, BenchResult } from './run.js';
import { intArg, median, startBenchCluster } from './lib-cluster.js';
import { labelsFromRecord, type Labels } from '../src/model/index.js';

const SERIES = 2_000;
const SAMPLES = 1_000;
const BATCH = 10_000;
const IN_FLIGHT = 4;
const SCRAPE_SERIES = 10_000;
const SCRAPE_BATCHES = 5;

interface Dataset {
  labels: Labels[];
  t: Float64Array;
  v: Float64Array[];
}

function dataset(): Dataset {
  const labels: Labels[] = [];
  const v: Float64Array[] = [];
  for (let s = 0; s < SERIES; s++) {
    labels.push(labelsFromRecord({ __name__: 'bench_requests_total', job: `job-${String.fromCharCode(97 + (s % 20))}`, instance: `10.0.0.${Math.floor(s / 20)}:8080`, code: '200' }));
    const col = new Float64Array(SAMPLES);
    let x = s * 7;
    for (let k = 0; k < SAMPLES; k++) col[k] = x += (s % 13) + (k % 5);
    v.push(col);
  }
  const t = new Float64Array(SAMPLES);
  for (let k = 0; k < SAMPLES; k++) t[k] = 1_767_225_600_000 - (SAMPLES - k) * 15_000;
  return { labels, t, v };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const runs = intArg(opts.args, 'runs', 5);
  const data = dataset();
  const perBatch = Math.max(1, Math.floor(BATCH / SAMPLES));
  const rows: Record<string, string | number>[] = [];
  const rates: number[] = [];
  const scrapeRates: number[] = [];
  const scrapeLabels = Array.from({ length: SCRAPE_SERIES }, (_, s) =>
    labelsFromRecord({ __name__: 'bench_scrape_metric', job: `scrape-${String.fromCharCode(97 + (s % 26))}`, instance: `10.1.${s >> 8}.${s & 255}:9100`, path: '/api/v1/query' }),
  );
  // Run 0 is a warm-up (JIT, gRPC channels): not counted.
  for (let r = -1; r < runs; r++) {
    const bc = await startBenchCluster(3);
    try {
      let next = 0;
      let accepted = 0;
      let rejected = 0;
      const t0 = performance.now();
      const worker = async (): Promise<void> => {
        while (next < SERIES) {
          const first = next;
          next += perBatch;
          const series = [];
          for (let s = first; s < Math.min(SERIES, first + perBatch); s++) series.push({ labels: data.labels[s]!, t: data.t, v: data.v[s]! });
          const res = await bc.client.write('', series);
          accepted += res.acceptedSamples;
          rejected += res.rejectedSamples;
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      const secs = (performance.now() - t0) / 1000;
      if (rejected > 0 || accepted !== SERIES * SAMPLES) throw new Error(`run ${r + 1}: accepted ${accepted}, rejected ${rejected}`);
      const rate = accepted / secs;

      // Scrape-shaped: many series, one sample each.
      const s0 = performance.now();
      let scraped = 0;
      for (let b = 0; b < SCRAPE_BATCHES; b++) {
        const t = [1_767_225_600_000 + b * 15_000];
        const res = await bc.client.write('', scrapeLabels.map((labels, i) => ({ labels, t, v: [i + b] })));
        scraped += res.acceptedSamples;
      }
      const scrapeSecs = (performance.now() - s0) / 1000;
      if (scraped !== SCRAPE_SERIES * SCRAPE_BATCHES) throw new Error(`run ${r + 1}: scrape-shaped writes accepted ${scraped}`);
      const scrapeRate = scraped / scrapeSecs;
      if (r < 0) {
        opts.log(`ingest warm-up: ${Math.round(rate).toLocaleString('en-US')} samples/s (scrape-shaped ${Math.round(scrapeRate).toLocaleString('en-US')})`);
        continue;
      }
      rates.push(rate);
      scrapeRates.push(scrapeRate);
      rows.push({ run: r + 1, case: 'columnar', samples: accepted, seconds: Number(secs.toFixed(3)), samples_per_s: Math.round(rate) });
      rows.push({ run: r + 1, case: 'scrape-shaped', samples: scraped, seconds: Number(scrapeSecs.toFixed(3)), samples_per_s: Math.round(scrapeRate) });
      opts.log(`ingest run ${r + 1}/${runs}: ${Math.round(rate).toLocaleString('en-US')} samples/s (scrape-shaped ${Math.round(scrapeRate).toLocaleString('en-US')})`);
    } finally {
      await bc.stop();
    }
  }
  return {
    title: `ingest: ${SERIES} series × ${SAMPLES} samples through the gateway into 3 leaves (batches of ${BATCH}, ${IN_FLIGHT} in flight)`,
    rows,
    summary: {
      ingest_samples_per_s: Math.round(median(rates)),
      ingest_runs_samples_per_s: rates.map(Math.round),
      ingest_scrape_samples_per_s: Math.round(median(scrapeRates)),
    },
  };
}
