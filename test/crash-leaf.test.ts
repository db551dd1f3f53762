/**
 * Crash tests of the durable leaf daemon with REAL processes and REAL signals:
 * `node bin/canopy.js leaf --data-dir DIR …` written to over gRPC (LeafClient) in a bounded
 * loop that records every acknowledged batch; `kill -9` by PID mid-loop; restart on the same
 * directory; every acknowledged sample must be there exactly once, read back through Execute.
 * Then a torn last WAL frame (recovered up to it, reported) and a corrupted CRC in the middle
 * (recovery stops there with an error log line and a metric; nothing after it is served).
 * Every child is killed by PID in afterAll; temp dirs are removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsFromRecord, type Labels, type Series } from '../src/model/index.js';
import { LeafClient } from '../src/rpc/index.js';
import { listSegments, scanFrame, segmentPath } from '../src/leaf/storage/index.js';
import { killChildren } from './helpers/canopy-cli.js';

const BIN = path.resolve('bin/canopy.js');
const T0 = 1_700_000_000_000;
const SERIES = 16;
const children: ChildProcess[] = [];
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-crash-leaf-'));

afterAll(() => {
  killChildren(children);
  fs.rmSync(root, { recursive: true, force: true });
});

interface Leaf {
  child: ChildProcess;
  addr: string;
  httpAddr: string;
  /** Everything the process printed (stdout + stderr: pino JSON log lines). */
  out: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
}

/** Starts `canopy leaf` on the data dir and resolves once it is listening. */
function startLeafProcess(dir: string, extra: string[] = []): Promise<Leaf> {
  return new Promise((resolve, reject) => {
    const args = [BIN, 'leaf', '--id', 'crash', '--listen', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--data-dir', dir, ...extra];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CANOPY_LOG_LEVEL: 'info' } });
    children.push(child);
    let out = '';
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));
    const timer = setTimeout(() => reject(new Error(`leaf did not start: ${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (\S+) \(HTTP \/metrics on (\S+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, addr: m[1]!, httpAddr: m[2]!, out: () => out, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((s) => {
      clearTimeout(timer);
      reject(new Error(`leaf exited (${String(s)}) before listening: ${out}`));
    });
  });
}

async function kill9(leaf: Leaf): Promise<void> {
  process.kill(leaf.child.pid!, 'SIGKILL');
  expect(await leaf.exited).toBe('SIGKILL');
}

async function stopLeaf(leaf: Leaf): Promise<void> {
  process.kill(leaf.child.pid!, 'SIGTERM');
  await leaf.exited;
}

const labelsOf = (j: number): Labels => labelsFromRecord({ __name__: 'crash_leaf', job: 'crash', instance: `i${j}` });
/** Value of series j in batch i: exact in float64, distinct per (i, j). */
const valueOf = (i: number, j: number): number => i * 1000 + j + (j % 2 ? 0.25 : 0);
/**
 * Batch i writes one sample per series. Series 0 writes its pairs of steps swapped (batch 2k
 * writes step 2k+1, batch 2k+1 writes step 2k): every odd batch inserts an older sample inside
 * the admission window, so the insert path is crash-tested as well.
 */
const stepOf = (i: number, j: number): number => (j === 0 ? i ^ 1 : i);
function batch(i: number): { labels: Labels; t: number[]; v: number[] }[] {
  return Array.from({ length: SERIES }, (_, j) => ({ labels: labelsOf(j), t: [T0 + stepOf(i, j) * 15_000], v: [valueOf(i, j)] }));
}

/**
 * Writes batches from `first` with `concurrency` in flight, until `stopAfterAcks` are acked
 * (then resolves, leaving the loop running until `maxBatches` or the first failure). Returns
 * the set of acknowledged batch indexes (filled as acks arrive) and the loop's promise.
 */
function writeLoop(client: LeafClient, first: number, maxBatches: number, concurrency: number, stopAfterAcks: number) {
  const acked = new Set<number>();
  let next = first;
  let failed = false;
  let reached!: () => void;
  const enough = new Promise<void>((r) => (reached = r));
  const worker = async (): Promise<void> => {
    while (!failed && next < first + maxBatches) {
      const i = next++;
      try {
        const res = await client.write('crash', batch(i), 10_000);
        if (res.acceptedSamples !== SERIES) throw new Error(`batch ${i}: accepted ${res.acceptedSamples} (${JSON.stringify(res.rejections)})`);
        acked.add(i);
        if (acked.size >= stopAfterAcks) reached();
      } catch {
        failed = true; // the leaf is gone (or refused): stop, this batch is not acknowledged
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, worker)).then(() => reached());
  return { acked, enough, done };
}

async function readAll(addr: string): Promise<Series[]> {
  const client = new LeafClient(addr);
  try {
    const out: Series[] = [];
    const req = { tenant: 'crash', fragment: { selector: { matchers: [{ type: 'EQ' as const, name: '__name__', value: 'crash_leaf' }], startMs: 1, endMs: 1e13, raw: true } } };
    for await (const ev of client.execute(req)) if (ev.kind === 'batch') out.push(...ev.series);
    return out;
  } finally {
    client.close();
  }
}

/**
 * Every acknowledged batch is present exactly once with its exact value; anything else present
 * is a whole unacknowledged-but-written batch value (never garbage). Returns batches present.
 */
async function verify(addr: string, acked: Set<number>): Promise<Set<number>> {
  const got = await readAll(addr);
  expect(got).toHaveLength(SERIES);
  const present = new Set<number>();
  for (const s of got) {
    const j = Number(s.labels.find((l) => l.name === 'instance')!.value.slice(1));
    const seen = new Set<number>();
    for (let k = 0; k < s.t.length; k++) {
      if (k > 0) expect(s.t[k]!).toBeGreaterThan(s.t[k - 1]!); // strictly increasing: no duplicates
      const step = (s.t[k]! - T0) / 15_000;
      expect(Number.isInteger(step)).toBe(true);
      const i = j === 0 ? step ^ 1 : step;
      expect(s.v[k]).toBe(valueOf(i, j));
      seen.add(i);
      if (j === 1) present.add(i);
    }
    for (const i of acked) expect(seen.has(i), `series ${j}: acknowledged batch ${i} missing`).toBe(true);
  }
  return present;
}

async function metric(httpAddr: string, name: string): Promise<number> {
  const text = await (await fetch(`http://${httpAddr}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`metric ${name} not exposed`);
  return Number(m[1]);
}

describe('durable leaf: kill -9 of a real leaf process (fsync always)', () => {
  it('keeps every acknowledged sample exactly once across two kills and restarts', async () => {
    const dir = path.join(root, 'kill');
    // Snapshots every 150 ms so kills also land mid-snapshot.
    const opts = ['--fsync', 'always', '--snapshot-interval', '150ms'];
    let leaf = await startLeafProcess(dir, opts);
    const allAcked = new Set<number>();
    let first = 0;
    for (const round of [0, 1]) {
      const client = new LeafClient(leaf.addr);
      const loop = writeLoop(client, first, 5000, 4, round === 0 ? 240 : 120);
      await loop.enough;
      await kill9(leaf); // mid-loop: up to 4 writes in flight
      await loop.done;
      client.close();
      expect(loop.acked.size).toBeGreaterThanOrEqual(round === 0 ? 240 : 120);
      for (const i of loop.acked) allAcked.add(i);
      leaf = await startLeafProcess(dir, opts);
      const present = await verify(leaf.addr, allAcked);
      // Nothing beyond what was attempted is served.
      expect(Math.max(...present)).toBeLessThan(first + 5000);
      first = Math.max(...present) + 1;
      const st = await new LeafClient(leaf.addr).status();
      expect(Number(st.samples)).toBeGreaterThanOrEqual(allAcked.size * SERIES);
      expect(await metric(leaf.httpAddr, 'canopy_leaf_wal_corruptions')).toBe(0);
    }
    await stopLeaf(leaf);
  }, 120_000);
});

describe('durable leaf: damaged WAL', () => {
  /** Writes `n` batches one at a time (one WAL frame each after the first), then kill -9. */
  async function writeThenKill(dir: string, n: number): Promise<void> {
    const leaf = await startLeafProcess(dir, ['--fsync', 'always', '--snapshot-interval', '0']);
    const client = new LeafClient(leaf.addr);
    for (let i = 0; i < n; i++) await client.write('crash', batch(i));
    client.close();
    await kill9(leaf);
  }

  /** Start offsets of the frames of the (single) WAL segment of `dir`. */
  function frames(dir: string): { file: string; starts: number[]; ends: number[] } {
    const walDir = path.join(dir, 'wal');
    const segs = listSegments(walDir);
    const file = segmentPath(walDir, segs.find((s) => fs.statSync(segmentPath(walDir, s)).size > 0)!);
    const buf = new Uint8Array(fs.readFileSync(file));
    const starts: number[] = [];
    const ends: number[] = [];
    for (let pos = 0; ; ) {
      const f = scanFrame(buf, pos);
      if (f.kind !== 'frame') break;
      starts.push(f.start);
      ends.push(f.end);
      pos = f.end;
    }
    return { file, starts, ends };
  }

  it('a torn last frame: recovered up to it, reported in the log and a metric', async () => {
    const dir = path.join(root, 'torn');
    await writeThenKill(dir, 30);
    const { file, starts, ends } = frames(dir);
    // Frame 0 = series records, then one samples frame per batch.
    expect(starts).toHaveLength(31);
    fs.truncateSync(file, ends.at(-1)! - 7); // the last batch's frame loses its tail
    const leaf = await startLeafProcess(dir);
    expect(leaf.out()).toMatch(/torn WAL tail truncated/);
    expect(leaf.out()).toMatch(/torn tail after crash/);
    expect(await metric(leaf.httpAddr, 'canopy_leaf_wal_torn_tails')).toBe(1);
    const present = await verify(leaf.addr, new Set(Array.from({ length: 29 }, (_, i) => i)));
    expect([...present].sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, i) => i));
    await stopLeaf(leaf);
  }, 60_000);

  it('a corrupted CRC in the middle: recovery stops there (error log + metric), nothing after it is served', async () => {
    const dir = path.join(root, 'corrupt');
    await writeThenKill(dir, 30);
    const { file, starts, ends } = frames(dir);
    expect(starts).toHaveLength(31);
    // Flip a byte inside the body of frame 11 = batch 10.
    const buf = fs.readFileSync(file);
    buf[Math.floor((starts[11]! + ends[11]!) / 2)] ^= 0x5a;
    fs.writeFileSync(file, buf);
    const leaf = await startLeafProcess(dir);
    expect(leaf.out()).toMatch(/WAL CORRUPTION/);
    const logLine = leaf.out().split('\n').find((l) => l.includes('corruption in the middle of the log'));
    expect(logLine, leaf.out()).toBeDefined();
    expect(JSON.parse(logLine!)).toMatchObject({ level: 50 });
    expect(logLine).toMatch(/CRC mismatch/);
    expect(await metric(leaf.httpAddr, 'canopy_leaf_wal_corruptions')).toBe(1);
    const present = await verify(leaf.addr, new Set(Array.from({ length: 10 }, (_, i) => i)));
    expect([...present].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    // New writes after the damage are durable again: write batch 10 anew, restart, still there.
    const client = new LeafClient(leaf.addr);
    await client.write('crash', batch(10));
    client.close();
    await stopLeaf(leaf);
    const again = await startLeafProcess(dir);
    const present2 = await verify(again.addr, new Set(Array.from({ length: 11 }, (_, i) => i)));
    expect(present2.size).toBe(11);
    expect(await metric(again.httpAddr, 'canopy_leaf_wal_corruptions')).toBe(0);
    await stopLeaf(again);
  }, 60_000);
});
