/**
 * Loading the demo data set through a write function (in `canopy dev --demo`, the gateway's Write
 * gRPC: the production ingest path), and the live generator that keeps it current.
 *
 * History goes family by family (`up` first), each series whole in one batch of ~10k samples,
 * several batches in flight. Once a family's history is acknowledged, the live generator appends
 * one sample per series of that family at wall-clock now (aligned to 15 s), every 15 s.
 */
import type { Labels } from '../model/index.js';
import { DEMO_SAMPLES, DEMO_START, DEMO_STEP_MS, demoFamilies, type Family } from './families.js';

export interface DemoSeries {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface DemoWriteResult {
  acceptedSamples: number;
  rejectedSamples: number;
}

export type DemoWrite = (series: DemoSeries[]) => Promise<DemoWriteResult>;

export interface DemoLoadOptions {
  /** Samples per write request (default 10,000; a series is never split). */
  batchSamples?: number;
  /** Write requests in flight (default 4). */
  concurrency?: number;
  onProgress?: (line: string) => void;
  /** Called when a family's history is fully acknowledged. */
  onFamilyLoaded?: (family: Family, stats: FamilyLoadStats) => void;
  signal?: AbortSignal;
}

export interface FamilyLoadStats {
  series: number;
  accepted: number;
  rejected: number;
  ms: number;
}

/** The whole history of one family, series-major: values[s * DEMO_SAMPLES + k]. */
export function generateHistory(family: Family): Float64Array {
  const n = family.series.length;
  const values = new Float64Array(n * DEMO_SAMPLES);
  const col = new Float64Array(n);
  for (let k = 0; k < DEMO_SAMPLES; k++) {
    family.step(k, col);
    for (let s = 0; s < n; s++) values[s * DEMO_SAMPLES + k] = col[s]!;
  }
  return values;
}

/** Historical timestamps, shared by every series (a plain array: it goes on the wire as is). */
export function demoTimestamps(): number[] {
  const t: number[] = new Array(DEMO_SAMPLES);
  for (let k = 0; k < DEMO_SAMPLES; k++) t[k] = DEMO_START + k * DEMO_STEP_MS;
  return t;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      if (signal?.aborted) return;
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Loads the history of the given families (default: all demo families) in order. */
export async function loadDemoHistory(write: DemoWrite, families: Family[], opts: DemoLoadOptions = {}): Promise<{ accepted: number; rejected: number }> {
  const batchSamples = opts.batchSamples ?? 10_000;
  const concurrency = opts.concurrency ?? 4;
  const t = demoTimestamps();
  const perBatch = Math.max(1, Math.round(batchSamples / DEMO_SAMPLES));
  let accepted = 0;
  let rejected = 0;
  for (const family of families) {
    if (opts.signal?.aborted) break;
    const started = Date.now();
    const values = generateHistory(family);
    const n = family.series.length;
    const batches: number[] = [];
    for (let s = 0; s < n; s += perBatch) batches.push(s);
    let fa = 0;
    let fr = 0;
    await pool(batches, concurrency, async (first) => {
      const series: DemoSeries[] = [];
      for (let s = first; s < Math.min(n, first + perBatch); s++) {
        series.push({ labels: family.series[s]!, t, v: values.subarray(s * DEMO_SAMPLES, (s + 1) * DEMO_SAMPLES) });
      }
      const res = await write(series);
      fa += res.acceptedSamples;
      fr += res.rejectedSamples;
    }, opts.signal);
    accepted += fa;
    rejected += fr;
    const stats = { series: n, accepted: fa, rejected: fr, ms: Date.now() - started };
    opts.onProgress?.(
      `demo: ${family.name}: ${n.toLocaleString('en-US')} series, ${fa.toLocaleString('en-US')} samples in ${(stats.ms / 1000).toFixed(1)}s` +
        (fr > 0 ? ` (${fr.toLocaleString('en-US')} rejected)` : ''),
    );
    opts.onFamilyLoaded?.(family, stats);
  }
  return { accepted, rejected };
}

/**
 * Appends one sample per series of each ready family at wall-clock now (aligned down to 15 s),
 * now and every 15 s, continuing each family's counters. Does nothing for times not after the
 * family's last sample (e.g. a clock set before DEMO_END).
 */
export class LiveDemo {
  private readonly ready: { family: Family; lastT: number; col: Float64Array }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly write: DemoWrite,
    private readonly onError: (e: unknown) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds a family whose history is loaded; writes its first live sample at once. */
  add(family: Family): void {
    if (this.stopped) return;
    this.ready.push({ family, lastT: DEMO_START + (DEMO_SAMPLES - 1) * DEMO_STEP_MS, col: new Float64Array(family.series.length) });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), DEMO_STEP_MS);
      this.timer.unref();
    }
    this.tick();
  }

  tick(nowMs = this.now()): Promise<void> {
    this.busy = this.busy.then(() => this.writeAt(Math.floor(nowMs / DEMO_STEP_MS) * DEMO_STEP_MS)).catch(this.onError);
    return this.busy;
  }

  private async writeAt(t: number): Promise<void> {
    const series: DemoSeries[] = [];
    for (const r of this.ready) {
      if (this.stopped || t <= r.lastT) continue;
      r.family.step(Math.round((t - DEMO_START) / DEMO_STEP_MS), r.col);
      r.lastT = t;
      for (let s = 0; s < r.family.series.length; s++) series.push({ labels: r.family.series[s]!, t: [t], v: [r.col[s]!] });
    }
    for (let i = 0; i < series.length && !this.stopped; i += 2_500) await this.write(series.slice(i, i + 2_500));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.busy.catch(() => undefined);
  }
}

export { demoFamilies };
