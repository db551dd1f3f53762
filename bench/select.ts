/**
 * Select throughput: samples/s returned by a selector query through the gateway over 1,000 series
 * × 6 h at 15 s (the demo data set's `up`, 1,441 samples per series, written through the gateway
 * into 3 leaves). The query is the instant matrix selector `up[6h]` at the end of the data (1,440
 * samples per series, the window being left-open); a query_range of `up` at 15 s steps is
 * reported alongside. One warm-up, then the median of 5 runs.
 * Summary keys: select_samples_per_s, select_runs_samples_per_s, select_range_samples_per_s.
 */
import type { BenchOptions, BenchResult } from './run.js';
import { intArg, median, startBenchCluster } from './lib-cluster.js';
import { DEMO_END, DEMO_START, DEMO_STEP_MS, demoFamilies, loadDemoHistory } from '../src/demo/index.js';

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const runs = intArg(opts.args, 'runs', 5);
  const bc = await startBenchCluster(3);
  try {
    const up = demoFamilies()[0]!;
    const loaded = await loadDemoHistory((s) => bc.client.write('', s), [up]);
    if (loaded.rejected > 0) throw new Error(`${loaded.rejected} samples rejected while loading`);
    opts.log(`select: loaded ${loaded.accepted.toLocaleString('en-US')} samples of ${up.series.length} series`);

    const rows: Record<string, string | number>[] = [];
    const measure = async (name: string, q: () => Promise<{ series: number; samples: number; complete: boolean }>): Promise<number[]> => {
      await q(); // warm-up
      const rates: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        const res = await q();
        const secs = (performance.now() - t0) / 1000;
        if (!res.complete) throw new Error(`${name}: partial answer`);
        if (res.series !== up.series.length) throw new Error(`${name}: expected ${up.series.length} series, got ${res.series}`);
        rates.push(res.samples / secs);
        rows.push({ query: name, run: r + 1, series: res.series, samples: res.samples, seconds: Number(secs.toFixed(3)), samples_per_s: Math.round(res.samples / secs) });
        opts.log(`${name} run ${r + 1}/${runs}: ${Math.round(res.samples / secs).toLocaleString('en-US')} samples/s`);
      }
      return rates;
    };

    const matrix = await measure('up[6h] (instant)', async () => {
      const res = await bc.client.instant({ query: 'up[6h]', timeMs: DEMO_END });
      return { series: res.matrix.length, samples: res.matrix.reduce((n, s) => n + s.values.length, 0), complete: !res.health?.partial };
    });
    const range = await measure('up (query_range 15s)', async () => {
      const res = await bc.client.range({ query: 'up', startMs: DEMO_START, endMs: DEMO_END, stepMs: DEMO_STEP_MS });
      return { series: res.matrix.length, samples: res.matrix.reduce((n, s) => n + s.values.length, 0), complete: !res.health?.partial };
    });
    return {
      title: 'select: 1,000 series × 6 h at 15 s through the gateway (3 leaves)',
      rows,
      summary: {
        select_samples_per_s: Math.round(median(matrix)),
        select_runs_samples_per_s: matrix.map(Math.round),
        select_range_samples_per_s: Math.round(median(range)),
      },
    };
  } finally {
    await bc.stop();
  }
}
