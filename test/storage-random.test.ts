/**
 * Randomised model check: appends with random gaps (crossing chunk and block boundaries),
 * snapshots and reopenings interleaved; after every reopen the store must return exactly what
 * was acknowledged, for the whole range and for random windows.
 */
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { labelsFromRecord, labelsKey, type Labels } from '../src/model/index.js';
import { DurableSeriesStore, type StoreOptions } from '../src/leaf/storage/index.js';
import { rng } from '../src/leaf/storage/synthetic.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('storage randomised model check', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: store equals the model across snapshots, block flushes and restarts`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-rand-'));
      dirs.push(dir);
      const r = rng(seed);
      const opts: StoreOptions = { logger: pino({ level: 'silent' }), chunkSamples: 7, blockMs: 60_000, segmentBytes: 8192, snapshotEveryWalBytes: 20_000 };
      let store = await DurableSeriesStore.open(dir, opts);
      const labels: Labels[] = Array.from({ length: seed === 3 ? 5000 : 12 }, (_, i) => labelsFromRecord({ __name__: `m${i % 3}`, i: String(i) }));
      const model = new Map<string, { t: number[]; v: number[] }>();
      let clock = 1_000_000;
      // Seed 3 uses 5,000 series so snapshots yield mid-capture while appends continue.
      for (let round = 0; round < (seed === 3 ? 25 : 120); round++) {
        const batch = [];
        for (const l of labels) {
          if (r() < 0.3) continue;
          const n = 1 + Math.floor(r() * 5);
          const t: number[] = [];
          const v: number[] = [];
          for (let k = 0; k < n; k++) {
            t.push(clock + k * 200 + Math.floor(r() * 150));
            v.push(r() < 0.5 ? Math.floor(r() * 100) : r());
          }
          batch.push({ labels: l, t, v });
          const m = model.get(labelsKey(l)) ?? { t: [], v: [] };
          m.t.push(...t);
          m.v.push(...v);
          model.set(labelsKey(l), m);
        }
        clock += 1000 + (r() < 0.05 ? Math.floor(r() * 300_000) : Math.floor(r() * 3000));
        const res = await store.append('t', batch);
        expect(res.outOfOrder + res.tooOld).toBe(0);
        const x = r();
        if (seed === 3 && round % 8 === 4) void store.snapshot(); // yields mid-capture (> 4,096 series) while the next round appends
        else if (x < 0.04) await store.snapshot();
        else if (x < 0.08) void store.snapshot(); // runs concurrently with the next appends
        else if (x < 0.16) {
          await store.close();
          store = await DurableSeriesStore.open(dir, opts);
          await check();
        }
      }
      await store.close();
      store = await DurableSeriesStore.open(dir, opts);
      await check();
      expect(store.stats().blocks).toBeGreaterThan(0);
      await store.close();

      async function check(): Promise<void> {
        const got = await store.select('t', [], { start: -Infinity, end: Infinity });
        expect(got.length).toBe(model.size);
        for (const s of got) {
          const m = model.get(labelsKey(s.labels))!;
          expect(Array.from(s.t)).toEqual(m.t);
          expect(Array.from(s.v)).toEqual(m.v);
        }
        for (let q = 0; q < 5; q++) {
          const a = 1_000_000 + r() * (clock - 1_000_000);
          const b = a + r() * 400_000;
          const w = await store.select('t', [{ type: '=', name: '__name__', value: 'm1' }], { start: a, end: b });
          for (const s of w) {
            const m = model.get(labelsKey(s.labels))!;
            const exp = m.t.filter((t) => t >= a && t <= b);
            expect(Array.from(s.t)).toEqual(exp);
          }
          const expSeries = labels.filter((l) => l[0]!.value === 'm1' && (model.get(labelsKey(l))?.t ?? []).some((t) => t >= a && t <= b)).length;
          expect(w.length).toBe(expSeries);
        }
      }
    });
  }
});
