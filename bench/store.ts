/**
 * Leaf storage engine benchmark: `npm run bench -- store [--json] [--quick]`.
 *
 * - bytes per sample of sealed chunks (240 samples each, the store default) on the realistic
 *   synthetic mix of src/leaf/storage/synthetic.ts (counters, constants, integer and decimal
 *   gauges with jitter, a few full-precision float gauges; 15 s scrapes, 10% jittered ±50 ms),
 *   per kind, plus a harsher variant where every scrape is jittered;
 * - decode samples/s of those chunks into preallocated Float64Arrays (median of 5 runs);
 * - ingest samples/s through DurableSeriesStore.append (median of 3 runs of 1M samples), batches of 10k samples
 *   (1,000 series × 10 samples, and 10,000 series × 1 sample), WAL fsync per batch and per second;
 * - restart time of a store holding 10M samples (snapshot + WAL tail, and WAL-only replay);
 * - through the real leaf daemon (startLeaf with a data dir, gRPC Write from a LeafClient,
 *   fsync per batch (group commit, 4 writes in flight) and per second): ingest samples/s,
 *   bytes per sample as the leaf reports them in Leaf.Status (bytes actually held: block
 *   columns, sealed chunks with their object overhead, heads, labels) before and after the
 *   snapshot that moves finished 2 h blocks out of memory chunks, a windowed query through
 *   Execute, and the time for a restarted leaf to serve again.
 * Summary keys: bytes_per_sample, decode_samples_per_s, ingest_samples_per_s (fsync per second,
 * 1,000 × 10 batches), restart_s (snapshot + tail), and leaf_* for the live leaf. Temp dirs are removed.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { BenchOptions, BenchResult } from './run.js';
import { labelsFromRecord, type Labels } from '../src/model/index.js';
import { DurableSeriesStore, SyntheticSeries, decodeChunk, encodeChunk, type FsyncPolicy, type SeriesKind } from '../src/leaf/storage/index.js';
import { startLeaf } from '../src/leaf/index.js';
import { LeafClient } from '../src/rpc/index.js';

const quiet = pino({ level: 'silent' });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function compressionSet(series: number, samplesPerSeries: number, jitterFraction?: number): { chunks: Uint8Array[]; samples: number; byKind: Map<SeriesKind, [number, number]> } {
  const CH = 240;
  const t = new Float64Array(CH);
  const v = new Float64Array(CH);
  const chunks: Uint8Array[] = [];
  const byKind = new Map<SeriesKind, [number, number]>();
  let samples = 0;
  for (let s = 0; s < series; s++) {
    const g = new SyntheticSeries(s, { seed: 11, jitterFraction });
    for (let done = 0; done < samplesPerSeries; done += CH) {
      const n = Math.min(CH, samplesPerSeries - done);
      g.fill(t, v, 0, n);
      const c = encodeChunk(t, v, 0, n);
      chunks.push(c);
      samples += n;
      const k = byKind.get(g.kindName) ?? [0, 0];
      k[0] += c.length;
      k[1] += n;
      byKind.set(g.kindName, k);
    }
  }
  return { chunks, samples, byKind };
}

function decodeRate(chunks: Uint8Array[], samples: number): number {
  const t = new Float64Array(240);
  const v = new Float64Array(240);
  const rates: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    let n = 0;
    for (const c of chunks) n += decodeChunk(c, t, v, 0);
    const dt = (performance.now() - t0) / 1000;
    if (n !== samples) throw new Error('decode count mismatch');
    if (r > 0) rates.push(n / dt); // first run warms up the JIT
  }
  return median(rates);
}

interface IngestData {
  labels: Labels[];
  t: Float64Array[];
  v: Float64Array[];
}

function ingestData(series: number, perSeries: number): IngestData {
  const d: IngestData = { labels: [], t: [], v: [] };
  for (let s = 0; s < series; s++) {
    d.labels.push(labelsFromRecord({ __name__: `metric_${s % 50}`, instance: `host-${s % 997}:9100`, job: `job-${s % 7}`, series: String(s) }));
    const g = new SyntheticSeries(s, { seed: 3 });
    const t = new Float64Array(perSeries);
    const v = new Float64Array(perSeries);
    g.fill(t, v, 0, perSeries);
    d.t.push(t);
    d.v.push(v);
  }
  return d;
}

async function ingest(dir: string, data: IngestData, perBatch: number, fsync: FsyncPolicy, totalSamples: number): Promise<{ rate: number; store: DurableSeriesStore }> {
  const store = await DurableSeriesStore.open(dir, { fsync, logger: quiet });
  const series = data.labels.length;
  const perSeries = data.t[0]!.length;
  let done = 0;
  const t0 = performance.now();
  for (let off = 0; off + perBatch <= perSeries && done < totalSamples; off += perBatch) {
    const batch = new Array(series);
    for (let s = 0; s < series; s++) batch[s] = { labels: data.labels[s]!, t: data.t[s]!.subarray(off, off + perBatch), v: data.v[s]!.subarray(off, off + perBatch) };
    const r = await store.append('bench', batch);
    done += r.accepted;
  }
  const dt = (performance.now() - t0) / 1000;
  return { rate: done / dt, store };
}

export async function run(opts: BenchOptions): Promise<BenchResult> {
  const quick = opts.args.includes('--quick');
  const rows: Record<string, string | number>[] = [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-bench-store-'));
  try {
    // 1. Compression.
    opts.log('compression…');
    const comp = compressionSet(quick ? 1000 : 4000, 960);
    let bytes = 0;
    for (const c of comp.chunks) bytes += c.length;
    const bps = bytes / comp.samples;
    rows.push({ measure: 'bytes/sample, realistic mix (240-sample chunks)', value: bps, note: `${comp.samples.toLocaleString('en-US')} samples` });
    for (const [k, [b, n]] of comp.byKind) rows.push({ measure: `  bytes/sample, ${k}`, value: b / n, note: '' });
    const harsh = compressionSet(quick ? 500 : 1000, 960, 1);
    let hb = 0;
    for (const c of harsh.chunks) hb += c.length;
    rows.push({ measure: 'bytes/sample, every scrape jittered ±50 ms', value: hb / harsh.samples, note: 'worst-case timestamps' });

    // 2. Decode.
    opts.log('decode…');
    const dec = decodeRate(comp.chunks, comp.samples);
    rows.push({ measure: 'decode samples/s (realistic mix)', value: Math.round(dec), note: 'into preallocated Float64Arrays' });

    // 3. Ingest.
    const total = quick ? 300_000 : 1_000_000;
    const shapes: [number, number, string][] = [[1000, 10, '1,000 series × 10'], [10_000, 1, '10,000 series × 1']];
    {
      // JIT warm-up on a throwaway store so the first measured configuration is not penalised.
      const warm = ingestData(1000, 200);
      const { store } = await ingest(path.join(root, 'warmup'), warm, 10, 'off', 200_000);
      await store.close();
      fs.rmSync(path.join(root, 'warmup'), { recursive: true, force: true });
    }
    const ingestRates = new Map<string, number>();
    for (const [series, perBatch, shape] of shapes) {
      const data = ingestData(series, Math.ceil(total / series / perBatch) * perBatch);
      for (const [policy, name] of [[{ intervalMs: 1000 }, 'fsync per second'], ['always', 'fsync per batch']] as [FsyncPolicy, string][]) {
        opts.log(`ingest ${shape}, ${name}…`);
        const rates: number[] = [];
        for (let rep = 0; rep < 3; rep++) {
          const dir = path.join(root, `ingest-${series}-${name.replace(/ /g, '-')}-${rep}`);
          const { rate: r, store } = await ingest(dir, data, perBatch, policy, total);
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
          rates.push(r);
        }
        const rate = median(rates);
        ingestRates.set(`${series}/${name}`, rate);
        rows.push({ measure: `ingest samples/s, batches of 10k (${shape}), ${name}`, value: Math.round(rate), note: `${total.toLocaleString('en-US')} samples, median of 3` });
      }
    }

    // 4. Restart with 10M samples.
    const restartSamples = quick ? 2_000_000 : 10_000_000;
    opts.log(`restart: writing ${restartSamples.toLocaleString('en-US')} samples…`);
    const rSeries = 10_000;
    const perSeries = restartSamples / rSeries;
    const rdata = ingestData(rSeries, perSeries);
    const rdir = path.join(root, 'restart');
    // Snapshot every ~64 MiB of WAL as a running leaf would, then a short tail after the last one.
    const w = await DurableSeriesStore.open(rdir, { fsync: { intervalMs: 1000 }, logger: quiet, snapshotEveryWalBytes: 64 * 1024 * 1024 });
    for (let off = 0; off < perSeries; off += 10) {
      const batch = rdata.labels.map((l, s) => ({ labels: l, t: rdata.t[s]!.subarray(off, off + 10), v: rdata.v[s]!.subarray(off, off + 10) }));
      await w.append('bench', batch);
    }
    await w.snapshot();
    const tail = rdata.labels.slice(0, 1000).map((l, s) => ({ labels: l, t: [rdata.t[s]![perSeries - 1]! + 15_000], v: [1] }));
    await w.append('bench', tail);
    const wst = w.stats();
    await w.close();
    const restarts: number[] = [];
    let samplesAfter = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      const s = await DurableSeriesStore.open(rdir, { logger: quiet });
      restarts.push((performance.now() - t0) / 1000);
      samplesAfter = s.stats().samples;
      await s.close();
    }
    const restart = median(restarts);
    if (samplesAfter !== wst.samples) throw new Error(`restart lost samples: ${samplesAfter} != ${wst.samples}`);
    rows.push({ measure: 'restart s (snapshot + WAL tail)', value: restart, note: `${samplesAfter.toLocaleString('en-US')} samples, ${wst.series.toLocaleString('en-US')} series` });
    fs.rmSync(rdir, { recursive: true, force: true });

    // WAL-only replay of the same data (no snapshot ever taken), for comparison.
    opts.log('restart: WAL-only replay…');
    const wdir = path.join(root, 'restart-wal');
    const w2 = await DurableSeriesStore.open(wdir, { fsync: 'off', logger: quiet, snapshotEveryWalBytes: 0 });
    for (let off = 0; off < perSeries; off += 10) {
      const batch = rdata.labels.map((l, s) => ({ labels: l, t: rdata.t[s]!.subarray(off, off + 10), v: rdata.v[s]!.subarray(off, off + 10) }));
      await w2.append('bench', batch);
    }
    await w2.close();
    const t1 = performance.now();
    const s2 = await DurableSeriesStore.open(wdir, { logger: quiet, snapshotEveryWalBytes: 0 });
    const walOnly = (performance.now() - t1) / 1000;
    rows.push({ measure: 'restart s (WAL-only replay, no snapshot)', value: walOnly, note: `${s2.stats().samples.toLocaleString('en-US')} samples` });
    await s2.close();

    // 5. Through the real leaf daemon.
    const live = await liveLeaf(path.join(root, 'leaf'), quick, opts.log, rows);

    const summary = {
      ...live,
      bytes_per_sample: Number(bps.toFixed(3)),
      decode_samples_per_s: Math.round(dec),
      ingest_samples_per_s: Math.round(ingestRates.get('1000/fsync per second')!),
      restart_s: Number(restart.toFixed(3)),
    };
    return { title: `Leaf storage engine${quick ? ' (quick)' : ''}`, rows, summary };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Writes `data` to a live leaf over gRPC in batches of (all series × perBatch), `inFlight` at once. */
async function writeThroughLeaf(client: LeafClient, data: IngestData, perBatch: number, inFlight: number, from = 0, to = data.t[0]!.length): Promise<number> {
  let next = from;
  let samples = 0;
  const worker = async (): Promise<void> => {
    while (next + perBatch <= to) {
      const off = next;
      next += perBatch;
      const batch = data.labels.map((l, s) => ({ labels: l, t: data.t[s]!.subarray(off, off + perBatch), v: data.v[s]!.subarray(off, off + perBatch) }));
      const r = await client.write('bench', batch);
      samples += r.acceptedSamples;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return samples;
}

async function leafBytesPerSample(addr: string): Promise<{ bytes: number; samples: number }> {
  const c = new LeafClient(addr);
  try {
    const st = await c.status();
    return { bytes: Number(st.bytes), samples: Number(st.samples) };
  } finally {
    c.close();
  }
}

async function liveLeaf(dir: string, quick: boolean, log: (s: string) => void, rows: Record<string, string | number>[]): Promise<Record<string, number>> {
  // 1,000 series × 1,920 samples (8 h at 15 s): after a snapshot, three finished 2 h blocks
  // hold the old data; fsync per batch is timed on the first 240 samples per series.
  const series = 1000;
  const fullPerSeries = quick ? 960 : 1920;
  const data = ingestData(series, fullPerSeries);
  const out: Record<string, number> = {};
  for (const [policy, name] of [['always', 'fsync per batch'], [{ intervalMs: 1000 }, 'fsync per second']] as [FsyncPolicy, string][]) {
    const perSeries = name === 'fsync per batch' ? 240 : fullPerSeries;
    const total = series * perSeries;
    const d = `${dir}-${name.replace(/ /g, '-')}`;
    log(`live leaf: ${total.toLocaleString('en-US')} samples over gRPC, ${name}…`);
    const leaf = await startLeaf({ id: 'bench-leaf', dataDir: d, fsync: policy, snapshotIntervalMs: 0, logger: quiet });
    const client = new LeafClient(leaf.address);
    try {
      const t0 = performance.now();
      const n = await writeThroughLeaf(client, data, 10, 4, 0, perSeries);
      const rate = n / ((performance.now() - t0) / 1000);
      rows.push({ measure: `live leaf: ingest samples/s over gRPC, ${name}`, value: Math.round(rate), note: `${series.toLocaleString('en-US')} series × 10 per request, 4 in flight` });
      if (name === 'fsync per second') out['leaf_ingest_samples_per_s'] = Math.round(rate);
      else out['leaf_ingest_fsync_always_samples_per_s'] = Math.round(rate);
      if (name !== 'fsync per second') continue;
      const before = await leafBytesPerSample(leaf.address);
      rows.push({ measure: 'live leaf: bytes/sample held (Leaf.Status), before snapshot', value: before.bytes / before.samples, note: `${before.samples.toLocaleString('en-US')} samples in memory chunks + heads` });
      await leaf.store.snapshot();
      const after = await leafBytesPerSample(leaf.address);
      const st = leaf.store.storageStats();
      rows.push({ measure: 'live leaf: bytes/sample held (Leaf.Status), after snapshot', value: after.bytes / after.samples, note: `${st.blocks} blocks, ${st.chunks} chunks, ${st.headSamples.toLocaleString('en-US')} head samples` });
      const sealed = (st.bytes - st.headBytes) / (st.samples - st.headSamples);
      rows.push({ measure: '  sealed data: bytes/sample held (blocks + chunks)', value: sealed, note: `${(st.samples - st.headSamples).toLocaleString('en-US')} samples; heads: ${(st.headBytes / series).toFixed(0)} B/series` });
      rows.push({ measure: '  old data: bytes/sample held by blocks', value: st.blockBytes / st.blockSamples, note: `${st.blockSamples.toLocaleString('en-US')} samples in ${st.blocks} blocks (Arrow buffers)` });
      rows.push({ measure: '  of which compressed chunk bytes/sample', value: st.chunkBytes / (st.samples - st.headSamples), note: 'codec only, sealed samples' });
      out['leaf_sealed_bytes_per_sample'] = Number(sealed.toFixed(3));
      out['leaf_block_bytes_per_sample'] = Number((st.blockBytes / st.blockSamples).toFixed(3));
      out['leaf_bytes_per_sample'] = Number((after.bytes / after.samples).toFixed(3));
      out['leaf_bytes_per_sample_before_snapshot'] = Number((before.bytes / before.samples).toFixed(3));
      // A windowed query through Execute (decodes only chunks overlapping the last hour).
      const end = data.t[0]![perSeries - 1]!;
      const q = async (): Promise<number> => {
        const t1 = performance.now();
        let got = 0;
        for await (const ev of client.execute({ tenant: 'bench', fragment: { selector: { matchers: [{ type: 'RE', name: '__name__', value: '.+' }], startMs: end - 3_600_000, endMs: end, raw: true } } })) {
          if (ev.kind === 'batch') for (const s of ev.series) got += s.t.length;
        }
        const dt = (performance.now() - t1) / 1000;
        return got / dt;
      };
      await q();
      const qs = median([await q(), await q(), await q()]);
      rows.push({ measure: 'live leaf: raw Execute of the last hour, samples/s', value: Math.round(qs), note: 'decode + Arrow + gRPC' });
      out['leaf_execute_samples_per_s'] = Math.round(qs);
    } finally {
      client.close();
      await leaf.stop();
    }
    // Restart on the same directory: until the leaf serves again, with every sample.
    const t2 = performance.now();
    const again = await startLeaf({ id: 'bench-leaf', dataDir: d, snapshotIntervalMs: 0, logger: quiet });
    const restart = (performance.now() - t2) / 1000;
    const back = await leafBytesPerSample(again.address);
    await again.stop();
    if (back.samples !== total) throw new Error(`live leaf restart: ${back.samples} samples, expected ${total}`);
    rows.push({ measure: 'live leaf: restart s (blocks + snapshot + WAL tail)', value: restart, note: `${back.samples.toLocaleString('en-US')} samples` });
    out['leaf_restart_s'] = Number(restart.toFixed(3));
  }
  return out;
}
