import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { labelsFromRecord, type Labels } from '../src/model/index.js';
import { DurableSeriesStore, listSegments, segmentPath, SyntheticSeries } from '../src/leaf/storage/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const quiet = pino({ level: 'silent' });
const L = (name: string, extra: Record<string, string> = {}): Labels => labelsFromRecord({ __name__: name, ...extra });
const all = { start: -Infinity, end: Infinity };

function seriesData(idx: number, n: number, startMs = 1_700_000_000_000): { t: Float64Array; v: Float64Array } {
  const g = new SyntheticSeries(idx, { seed: 5, startMs });
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  g.fill(t, v, 0, n);
  return { t, v };
}

describe('DurableSeriesStore', () => {
  it('appends, selects by matchers and window, and rejects out-of-order samples', async () => {
    const s = await DurableSeriesStore.open(tmp(), { logger: quiet, chunkSamples: 10 });
    const a = seriesData(0, 35);
    const b = seriesData(1, 35);
    const r = await s.append('t1', [{ labels: L('up', { job: 'a' }), ...a }, { labels: L('up', { job: 'b' }), ...b }]);
    expect(r.accepted).toBe(70);
    const oo = await s.append('t1', [{ labels: L('up', { job: 'a' }), t: [a.t[3]!, a.t[34]! + 1], v: [1, 2] }]);
    expect(oo).toEqual({ accepted: 1, duplicates: 0, outOfOrder: 1, tooOld: 0 });
    const dup = await s.append('t1', [{ labels: L('up', { job: 'a' }), t: [a.t[34]! + 1, a.t[34]! + 1], v: [2, 3] }]);
    expect(dup).toEqual({ accepted: 0, duplicates: 1, outOfOrder: 1, tooOld: 0 });
    const got = await s.select('t1', [{ type: '=', name: 'job', value: 'a' }], all);
    expect(got).toHaveLength(1);
    expect(Array.from(got[0]!.t.subarray(0, 35))).toEqual(Array.from(a.t));
    expect(Array.from(got[0]!.v.subarray(0, 35))).toEqual(Array.from(a.v));
    const win = await s.select('t1', [{ type: '=~', name: 'job', value: 'a|b' }], { start: a.t[12]!, end: a.t[20]! });
    expect(win.map((x) => x.labels[1]!.value)).toEqual(['a', 'b']);
    expect(Array.from(win[0]!.t)).toEqual(Array.from(a.t.subarray(12, 21)));
    expect(await s.select('other', [], all)).toEqual([]);
    const st = s.stats();
    expect(st.series).toBe(2);
    expect(st.samples).toBe(71);
    expect(st.outOfOrder).toBe(2);
    await s.close();
  });

  it('recovers everything from the WAL after close without a snapshot, keeping stale NaN bits', async () => {
    const dir = tmp();
    const s = await DurableSeriesStore.open(dir, { logger: quiet, chunkSamples: 16 });
    const a = seriesData(2, 50);
    const vw = new Uint32Array(a.v.buffer);
    vw[2 * 49] = 2;
    vw[2 * 49 + 1] = 0x7ff00000; // Prometheus stale marker, written by its words
    await s.append('default', [{ labels: L('m'), ...a }]);
    await s.close();
    const s2 = await DurableSeriesStore.open(dir, { logger: quiet, chunkSamples: 16 });
    const [got] = await s2.select('default', [], all);
    expect(Array.from(got!.t)).toEqual(Array.from(a.t));
    const w = new Uint32Array(got!.v.buffer, got!.v.byteOffset, got!.v.length * 2);
    expect(Array.from(w)).toEqual(Array.from(vw));
    expect(s2.stats().walFramesReplayed).toBeGreaterThan(0);
    // Further appends continue the series after restart.
    const more = await s2.append('default', [{ labels: L('m'), t: [a.t[49]! + 15_000], v: [7] }]);
    expect(more.accepted).toBe(1);
    await s2.close();
  });

  it('snapshots bound replay, flush finished blocks and apply retention', async () => {
    const dir = tmp();
    const H = 3600_000;
    const opts = { logger: quiet, chunkSamples: 60, blockMs: H, retentionMs: 3 * H, segmentBytes: 64 * 1024 };
    const s = await DurableSeriesStore.open(dir, opts);
    const n = 6 * 240; // 6 hours at 15 s
    const start = 1_700_000_000_000 - (1_700_000_000_000 % H);
    const data = [0, 1, 2, 3].map((i) => seriesData(i, n, start));
    for (let off = 0; off < n; off += 120) {
      await s.append('t', data.map((d, i) => ({ labels: L('x', { i: String(i) }), t: d.t.subarray(off, off + 120), v: d.v.subarray(off, off + 120) })));
      if (off === 2400 / 2) await s.snapshot();
    }
    await s.snapshot();
    const st = s.stats();
    expect(st.blocks).toBeGreaterThan(0);
    const kept = fs.readdirSync(path.join(dir, 'blocks'));
    expect(kept.length).toBe(st.blocks);
    // Retention: only blocks ending after newest − 3 h remain.
    const newest = Math.max(...data.map((d) => d.t[n - 1]!));
    for (const b of kept) expect(Number(b) + H).toBeGreaterThan(newest - 3 * H);
    // Writes below the persisted blocks are refused.
    const old = await s.append('t', [{ labels: L('x', { i: '0' }), t: [start + 1], v: [1] }]);
    expect(old.accepted).toBe(0);
    // Append a tail after the snapshot: replay must only need it.
    const tail = seriesData(9, 30, newest + 15_000);
    await s.append('t', [{ labels: L('tail'), ...tail }]);
    const before = await s.select('t', [], all);
    await s.close();
    expect(fs.readdirSync(path.join(dir, 'snapshots'))).toHaveLength(1);
    const s2 = await DurableSeriesStore.open(dir, opts);
    const after = await s2.select('t', [], all);
    expect(after.map((x) => x.labels)).toEqual(before.map((x) => x.labels));
    for (let i = 0; i < after.length; i++) {
      expect(Array.from(after[i]!.t)).toEqual(Array.from(before[i]!.t));
      expect(Array.from(after[i]!.v)).toEqual(Array.from(before[i]!.v));
    }
    const st2 = s2.stats();
    expect(st2.snapshotsLoaded).toBe(1);
    expect(st2.walFramesReplayed).toBe(2); // series record + samples of the tail only
    // The first retained block begins where retention left it; data before it is gone.
    const x0 = after.find((x) => x.labels.some((l) => l.value === '0'))!;
    expect(x0.t[0]!).toBeGreaterThanOrEqual(Number(kept[0]));
    expect(x0.t[x0.t.length - 1]).toBe(data[0]!.t[n - 1]);
    await s2.close();
  });

  it('group commit: concurrent appends share fsyncs, each resolves durable', async () => {
    const dir = tmp();
    const s = await DurableSeriesStore.open(dir, { logger: quiet, fsync: 'always' });
    const ps = [];
    for (let i = 0; i < 50; i++) ps.push(s.append('t', [{ labels: L('g', { i: String(i) }), t: [1000], v: [i] }]));
    await Promise.all(ps);
    const w = (s as unknown as { wal: { stats(): { syncs: number; writes: number } } }).wal.stats();
    expect(w.syncs).toBeLessThan(50);
    expect(w.writes).toBeLessThan(50);
    await s.close();
    const s2 = await DurableSeriesStore.open(dir, { logger: quiet });
    expect((await s2.select('t', [], all)).length).toBe(50);
    await s2.close();
  });

  it('recovers up to a torn last frame and truncates it', async () => {
    const dir = tmp();
    const s = await DurableSeriesStore.open(dir, { logger: quiet });
    for (let i = 0; i < 5; i++) await s.append('t', [{ labels: L('torn'), t: [1000 + i], v: [i] }]);
    await s.close();
    const seg = listSegments(path.join(dir, 'wal')).at(-1)!;
    const file = segmentPath(path.join(dir, 'wal'), seg);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 3);
    const s2 = await DurableSeriesStore.open(dir, { logger: quiet });
    const [got] = await s2.select('t', [], all);
    expect(Array.from(got!.t)).toEqual([1000, 1001, 1002, 1003]);
    expect(s2.stats().walTornTails).toBe(1);
    expect(s2.stats().walCorruptions).toBe(0);
    await s2.append('t', [{ labels: L('torn'), t: [2000], v: [9] }]);
    await s2.close();
    const s3 = await DurableSeriesStore.open(dir, { logger: quiet });
    expect(Array.from((await s3.select('t', [], all))[0]!.t)).toEqual([1000, 1001, 1002, 1003, 2000]);
    expect(s3.stats().walTornTails).toBe(0);
    await s3.close();
  });

  it('stops at a CRC mismatch in the middle, logs and counts it, serves nothing past it', async () => {
    const dir = tmp();
    const s = await DurableSeriesStore.open(dir, { logger: quiet });
    const offsets: number[] = [];
    const walDir = path.join(dir, 'wal');
    for (let i = 0; i < 6; i++) {
      offsets.push(fs.statSync(segmentPath(walDir, listSegments(walDir).at(-1)!)).size);
      await s.append('t', [{ labels: L('c'), t: [1000 + i], v: [i] }]);
    }
    await s.close();
    const file = segmentPath(walDir, listSegments(walDir).at(-1)!);
    const buf = fs.readFileSync(file);
    buf[offsets[3]! + 12] ^= 0xff; // a byte inside the 4th append's frame body
    fs.writeFileSync(file, buf);
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
    const s2 = await DurableSeriesStore.open(dir, { logger });
    const [got] = await s2.select('t', [], all);
    expect(Array.from(got!.t)).toEqual([1000, 1001, 1002]);
    expect(s2.stats().walCorruptions).toBe(1);
    expect(lines.some((l) => l.includes('corruption') && l.includes('CRC mismatch'))).toBe(true);
    expect(fs.readdirSync(path.join(walDir, 'corrupt')).length).toBe(1);
    await s2.append('t', [{ labels: L('c'), t: [5000], v: [1] }]);
    await s2.close();
    const s3 = await DurableSeriesStore.open(dir, { logger: quiet });
    expect(Array.from((await s3.select('t', [], all))[0]!.t)).toEqual([1000, 1001, 1002, 5000]);
    expect(s3.stats().walCorruptions).toBe(0);
    await s3.close();
  });
  it('inserts older samples inside the admission window (chunks re-encoded), refuses older ones, and replays inserts', async () => {
    const dir = tmp();
    const s = await DurableSeriesStore.open(dir, { logger: quiet, chunkSamples: 8, oooWindowMs: 600_000 });
    const T = 1_700_000_000_000;
    // Every other 15 s step first (t = T, T+30 s, …), then the missing ones, newest first.
    const even = Array.from({ length: 20 }, (_, i) => T + i * 30_000);
    await s.append('t', [{ labels: L('m'), t: even, v: even.map((_, i) => 2 * i) }]);
    const last = even.at(-1)!;
    const odd = Array.from({ length: 19 }, (_, i) => T + i * 30_000 + 15_000).reverse();
    const o = s.appendSeries('t', L('m'), odd, odd.map((t) => (t - T) / 15_000));
    // Inside the window (≤ 10 min before the last sample): 600 s / 30 s = the last 20 odd ones, i.e. all
    // odd timestamps ≥ last − 600 s.
    const inWindow = odd.filter((t) => last - t <= 600_000);
    expect(o.inserted).toBe(inWindow.length);
    expect(o.rejected?.get('out_of_order')?.count ?? 0).toBe(odd.length - inWindow.length);
    // Same value again: ignored; a different value: duplicate_sample.
    const again = s.appendSeries('t', L('m'), [inWindow[0]!, inWindow[1]!], [(inWindow[0]! - T) / 15_000, -1]);
    expect(again).toMatchObject({ appended: 0, inserted: 0, ignored: 1 });
    expect(again.rejected?.get('duplicate_sample')?.count).toBe(1);
    // insertSeries has no window.
    const old = s.insertSeries('t', L('m'), [T - 15_000], [-1]);
    expect(old.inserted).toBe(1);
    await s.commit();
    const expectT = [T - 15_000, ...even, ...inWindow].sort((a, b) => a - b);
    const check = async (st: DurableSeriesStore): Promise<void> => {
      const [got] = await st.select('t', [], all);
      expect(Array.from(got!.t)).toEqual(expectT);
      expect(Array.from(got!.v)).toEqual(expectT.map((t) => (t === T - 15_000 ? -1 : (t - T) / 15_000)));
    };
    await check(s);
    expect(s.stats().inserted).toBe(inWindow.length + 1);
    await s.close();
    // WAL replay applies the inserted runs again.
    const s2 = await DurableSeriesStore.open(dir, { logger: quiet, chunkSamples: 8 });
    await check(s2);
    // Snapshot + replay overlap stays exact.
    await s2.snapshot();
    await s2.close();
    const s3 = await DurableSeriesStore.open(dir, { logger: quiet, chunkSamples: 8 });
    await check(s3);
    await s3.close();
  });

  it('memory-only mode: same series model without a directory', async () => {
    const s = DurableSeriesStore.memory({ chunkSamples: 4, oooWindowMs: 60_000 });
    const o = s.appendSeries('t', L('m'), [1000, 2000, 3000, 4000, 5000, 6000, 500], [1, 2, 3, 4, 5, 6, 0]);
    expect(o).toMatchObject({ appended: 6, inserted: 1 });
    await s.commit();
    const [got] = await s.select('t', [], all);
    expect(Array.from(got!.t)).toEqual([500, 1000, 2000, 3000, 4000, 5000, 6000]);
    const st = s.stats();
    expect(st.chunks).toBe(1);
    expect(st.headSamples).toBe(3);
    expect(st.walSegments).toBe(0);
    await s.snapshot();
    await s.close();
  });
  it('late data: inserts below the persisted floor (transfers) are kept, flushed into extra blocks and recovered', async () => {
    const dir = tmp();
    const opts = { logger: quiet, chunkSamples: 4, blockMs: 1000 };
    const s = await DurableSeriesStore.open(dir, opts);
    const ta = Array.from({ length: 100 }, (_, i) => i * 100);
    await s.append('t', [{ labels: L('a'), t: ta, v: ta.map((t) => t / 100) }]);
    await s.snapshot(); // blocks [0, 9000) persisted: the floor is 9000
    expect(s.stats().blocks).toBe(9);
    // A write below the floor is refused; an insert is late data.
    expect(s.appendSeries('t', L('a'), [155], [0.5]).rejected?.get('too_old')?.count).toBe(1);
    const ia = s.insertSeries('t', L('a'), [100, 150, 155, 9950], [9, 1.5, 1.55, 99.5]);
    // 100 is stored in a block with another value: refused (duplicate_sample), the block's value stays.
    expect(ia).toMatchObject({ inserted: 2, appended: 1 });
    expect(ia.rejected?.get('duplicate_sample')?.count).toBe(1);
    const tb = [50, 850, 9050];
    expect(s.insertSeries('t', L('b'), tb, [1, 2, 3])).toMatchObject({ inserted: 2, appended: 1 });
    await s.commit();
    const expectA = [...ta, 150, 155, 9950].sort((x, y) => x - y);
    const valA = (t: number): number => (t === 150 ? 1.5 : t === 155 ? 1.55 : t === 9950 ? 99.5 : t / 100);
    const check = async (st: DurableSeriesStore): Promise<void> => {
      const got = await st.select('t', [], all);
      expect(got.map((x) => x.labels[0]!.value)).toEqual(['a', 'b']);
      expect(Array.from(got[0]!.t)).toEqual(expectA);
      expect(Array.from(got[0]!.v)).toEqual(expectA.map(valA));
      expect(Array.from(got[1]!.t)).toEqual(tb);
      const win = await st.select('t', [{ type: '=', name: '__name__', value: 'a' }], { start: 120, end: 200 });
      expect(Array.from(win[0]!.t)).toEqual([150, 155, 200]);
    };
    await check(s);
    await s.close();
    // Recovery from the WAL: late samples below the floor are merged (those in blocks skipped).
    const s2 = await DurableSeriesStore.open(dir, opts);
    await check(s2);
    // The next snapshot writes the late data into extra blocks of the persisted ranges.
    await s2.snapshot();
    expect(fs.readdirSync(path.join(dir, 'blocks')).filter((n) => n.includes('-')).length).toBeGreaterThan(0);
    await check(s2);
    await s2.close();
    const s3 = await DurableSeriesStore.open(dir, opts);
    await check(s3);
    await s3.close();
  });

  it('memory-only compaction: finished blocks are packed in memory, reads unchanged', async () => {
    const s = DurableSeriesStore.memory({ chunkSamples: 4, blockMs: 1000 });
    const t = Array.from({ length: 100 }, (_, i) => i * 100);
    s.appendSeries('t', L('m'), t, t.map((x) => x / 7));
    const before = await s.select('t', [], all);
    await s.snapshot();
    const st = s.stats();
    expect(st.blocks).toBe(9);
    expect(st.samples).toBe(100);
    const after = await s.select('t', [], all);
    expect(Array.from(after[0]!.t)).toEqual(Array.from(before[0]!.t));
    expect(Array.from(after[0]!.v)).toEqual(Array.from(before[0]!.v));
    // Late insert into a compacted range.
    s.insertSeries('t', L('m'), [50], [-1]);
    const late = await s.select('t', [], { start: 0, end: 100 });
    expect(Array.from(late[0]!.t)).toEqual([0, 50, 100]);
  });
});
