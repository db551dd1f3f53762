import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 as zlibCrc } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../../model/index.js';
import { crc32, crc32Table } from './crc32.js';
import { decodeSeriesBody, encodeSamplesFrame, encodeSeriesFrame, forEachSampleEntry, scanFrame, REC_SAMPLES, REC_SERIES } from './wal-format.js';
import { replayWal } from './wal-replay.js';
import { listSegments } from './wal-segments.js';
import { WalWriter } from './wal-writer.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'canopy-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('crc32', () => {
  it('table implementation equals zlib.crc32 and the standard check value', () => {
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const buf = new Uint8Array(10_007);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
    for (const n of [0, 1, 3, 4, 5, 64, 1000, 10_007]) {
      expect(crc32Table(buf.subarray(0, n))).toBe(zlibCrc(buf.subarray(0, n)) >>> 0);
      expect(crc32(buf.subarray(0, n))).toBe(crc32Table(buf.subarray(0, n)));
    }
  });
});

describe('WAL frames', () => {
  it('round-trip series and sample records; detect a flipped bit and a short tail', () => {
    const labels = labelsFromRecord({ __name__: 'x', a: 'é' });
    const s = encodeSeriesFrame([{ id: 7, tenant: 't', labels }]);
    const f = encodeSamplesFrame([{ id: 7, t: Float64Array.of(1, 2), v: Float64Array.of(NaN, -0) }]);
    const buf = new Uint8Array(s.length + f.length);
    buf.set(s);
    buf.set(f, s.length);
    const a = scanFrame(buf, 0);
    expect(a.kind).toBe('frame');
    if (a.kind !== 'frame') return;
    expect(a.type).toBe(REC_SERIES);
    expect(decodeSeriesBody(a.body)).toEqual([{ id: 7, tenant: 't', labels }]);
    const b = scanFrame(buf, a.end);
    expect(b.kind === 'frame' && b.type === REC_SAMPLES).toBe(true);
    if (b.kind !== 'frame') return;
    forEachSampleEntry(b.body, (id, t, v, n) => {
      expect(id).toBe(7);
      expect(n).toBe(2);
      expect(Array.from(t.subarray(0, n))).toEqual([1, 2]);
      expect(Object.is(v[1], -0)).toBe(true);
    });
    expect(scanFrame(buf, b.end).kind).toBe('end');
    expect(scanFrame(buf.subarray(0, buf.length - 1), a.end).kind).toBe('incomplete');
    const bad = buf.slice();
    bad[a.end + 10] ^= 1;
    expect(scanFrame(bad, a.end).kind).toBe('bad');
  });
});

describe('WalWriter', () => {
  it('rotates segments by size, group-commits, and replays every frame in order', async () => {
    const dir = tmp();
    const w = await WalWriter.open(dir, 0, { segmentBytes: 4096, fsync: 'always' });
    const ps: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) ps.push(w.append([encodeSamplesFrame([{ id: i, t: Float64Array.of(i), v: Float64Array.of(i * 2) }])]));
    await Promise.all(ps);
    const st = w.stats();
    expect(st.syncs).toBeLessThan(200);
    await w.close();
    expect(listSegments(dir).length).toBeGreaterThan(1);
    const seen: number[] = [];
    const r = replayWal(dir, 0, (type, body) => forEachSampleEntry(body, (id) => seen.push(id)));
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(r.tornTails + r.corruptions).toBe(0);
    expect(r.nextSegment).toBe(listSegments(dir).at(-1)! + 1);
  });

  it('interval policy acknowledges after the write and syncs on its timer', async () => {
    const dir = tmp();
    const w = await WalWriter.open(dir, 3, { fsync: { intervalMs: 20 } });
    await w.append([encodeSamplesFrame([{ id: 1, t: Float64Array.of(1), v: Float64Array.of(1) }])]);
    expect(w.stats().syncs).toBe(0);
    expect(fs.statSync(path.join(dir, '00000003.seg')).size).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(w.stats().syncs).toBeGreaterThanOrEqual(1);
    await w.close();
  });
});

describe('replayWal', () => {
  it('treats a torn frame before an empty newest segment as a torn tail, not corruption', async () => {
    const dir = tmp();
    const w = await WalWriter.open(dir, 0, { fsync: 'always' });
    for (let i = 0; i < 3; i++) await w.append([encodeSamplesFrame([{ id: i, t: Float64Array.of(i), v: Float64Array.of(i) }])]);
    await w.close();
    const f = path.join(dir, '00000000.seg');
    fs.truncateSync(f, fs.statSync(f).size - 2);
    fs.writeFileSync(path.join(dir, '00000001.seg'), new Uint8Array(0)); // crash right after a rotation
    const seen: number[] = [];
    const r = replayWal(dir, 0, (_t, body) => forEachSampleEntry(body, (id) => seen.push(id)));
    expect(seen).toEqual([0, 1]);
    expect(r.tornTails).toBe(1);
    expect(r.corruptions).toBe(0);
    expect(r.nextSegment).toBe(2);
  });
});
