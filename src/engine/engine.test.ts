import { describe, expect, it } from 'vitest';
import { labelsFromRecord, LimitError, MemoryQuerier, STALE_NAN, ExecutionError, formatLabels } from '../model/index.js';
import { Engine } from './index.js';

const m = 60_000;

/** Series `name{labels}` with values at 0, step, 2·step… (null = no sample). */
function series(rec: Record<string, string>, step: number, values: (number | null)[]) {
  // Float64Array keeps the stale NaN's payload (plain arrays may canonicalise it).
  const t = new Float64Array(values.length);
  const v = new Float64Array(values.length);
  let n = 0;
  values.forEach((x, i) => {
    if (x === null) return;
    t[n] = i * step;
    v[n++] = x;
  });
  return { labels: labelsFromRecord(rec), t: t.subarray(0, n), v: v.subarray(0, n) };
}

const q = new MemoryQuerier([
  series({ __name__: 'http_requests_total', job: 'api', instance: 'a' }, m, [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600]),
  series({ __name__: 'http_requests_total', job: 'api', instance: 'b' }, m, [0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300]),
  series({ __name__: 'http_requests_total', job: 'db', instance: 'c' }, m, [0, 6, 12, 18, 24, 30, 36, 42, 48, 54, 60]),
  series({ __name__: 'gauge', job: 'api' }, m, [1, 2, 3, 4, STALE_NAN, null, null, null, null, null, 5]),
]);

function vec(out: Awaited<ReturnType<Engine['instant']>>): Record<string, number> {
  if (out.value.resultType !== 'vector') throw new Error(`expected vector, got ${out.value.resultType}`);
  const r: Record<string, number> = {};
  for (const s of out.value.samples) r[formatLabels(s.labels)] = s.v;
  return r;
}

describe('Engine', () => {
  const engine = new Engine();

  it('selects the latest sample within the lookback and honours staleness', async () => {
    expect(vec(await engine.instant(q, 'gauge', 3 * m))).toEqual({ 'gauge{job="api"}': 4 });
    // The stale marker at 4m ends the series: nothing at 5m even though 3m is within lookback.
    expect(vec(await engine.instant(q, 'gauge', 5 * m))).toEqual({});
    expect(vec(await engine.instant(q, 'gauge offset 2m', 5 * m))).toEqual({ 'gauge{job="api"}': 4 });
  });

  it('computes rate and sum by', async () => {
    const r = vec(await engine.instant(q, 'sum by (job) (rate(http_requests_total[5m]))', 10 * m));
    expect(r['{job="api"}']).toBeCloseTo(1.5, 10);
    expect(r['{job="db"}']).toBeCloseTo(0.1, 10);
  });

  it('evaluates binary operators with matching and name dropping', async () => {
    const r = vec(await engine.instant(q, 'http_requests_total{job="api"} / on(job) group_left gauge', 3 * m));
    expect(r).toEqual({ '{instance="a", job="api"}': 45, '{instance="b", job="api"}': 22.5 });
    const c = vec(await engine.instant(q, 'http_requests_total > 100', 10 * m));
    expect(c).toEqual({ 'http_requests_total{instance="a", job="api"}': 600, 'http_requests_total{instance="b", job="api"}': 300 });
    await expect(engine.instant(q, 'http_requests_total + on(job) gauge', 3 * m)).rejects.toThrow(ExecutionError);
  });

  it('returns a label-sorted matrix for range queries', async () => {
    const out = await engine.range(q, 'sum(http_requests_total)', 0, 10 * m, 5 * m);
    expect(out.value.resultType).toBe('matrix');
    if (out.value.resultType !== 'matrix') return;
    expect(out.value.series).toHaveLength(1);
    expect([...out.value.series[0]!.t]).toEqual([0, 5 * m, 10 * m]);
    expect([...out.value.series[0]!.v]).toEqual([0, 480, 960]);
  });

  it('evaluates subqueries on absolute step multiples', async () => {
    const r = vec(await engine.instant(q, 'max_over_time(gauge[3m:1m])', 3 * m + 30_000));
    expect(r).toEqual({ '{job="api"}': 4 });
  });

  it('emits the non-counter info for rate on a gauge', async () => {
    const out = await engine.instant(q, 'rate(gauge[5m])', 3 * m);
    expect(out.infos).toEqual(['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "gauge"']);
  });

  it('enforces maxSamples', async () => {
    const small = new Engine({ maxSamples: 3 });
    await expect(small.instant(q, 'http_requests_total[10m]', 10 * m)).rejects.toThrow(LimitError);
  });

  it('orders topk output and keeps the metric name', async () => {
    const out = await engine.instant(q, 'topk(2, http_requests_total)', 10 * m);
    if (out.value.resultType !== 'vector') throw new Error('vector expected');
    expect(out.value.samples.map((s) => s.v)).toEqual([600, 300]);
  });
});

describe('limits', () => {
  it('counts a range query result against maxSamples', async () => {
    const e = new Engine({ maxSamples: 20 });
    // 3 series × 11 steps = 33 points held at once.
    await expect(e.range(q, 'http_requests_total', 0, 10 * m, m)).rejects.toThrow('query processing would load too many samples into memory in query execution');
    const ok = await new Engine({ maxSamples: 40 }).range(q, 'http_requests_total', 0, 10 * m, m);
    expect(ok.value.resultType).toBe('matrix');
  });
});
