import { describe, expect, it } from 'vitest';
import { DEMO_END, DEMO_SAMPLES, DEMO_START, DEMO_STEP_MS, demoFamilies, demoTimestamps, generateHistory, HISTOGRAM_BUCKETS, LiveDemo, loadDemoHistory, type DemoSeries } from '../src/demo/index.js';
import { getLabel, labelsKey } from '../src/model/index.js';

describe('demo data set', () => {
  it('has the documented shape: 6h at 15s ending at DEMO_END, 20 jobs × 50 instances', () => {
    expect(DEMO_END).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(DEMO_SAMPLES).toBe(1441);
    const t = demoTimestamps();
    expect(t[t.length - 1]).toBe(DEMO_END);
    expect(t[0]).toBe(DEMO_END - 6 * 3600_000);
    const fams = demoFamilies();
    expect(fams.map((f) => f.name)).toEqual(['up', 'http_requests_total', 'node_cpu_seconds_total', 'http_request_duration_seconds']);
    const up = fams[0]!;
    expect(up.series.length).toBe(1000);
    expect(new Set(up.series.map((l) => getLabel(l, 'job'))).size).toBe(20);
    expect(new Set(up.series.map(labelsKey)).size).toBe(1000);
    for (const f of fams) expect(new Set(f.series.map(labelsKey)).size).toBe(f.series.length);
  });

  it('is deterministic and realistic: up mostly 1, counters monotone but for resets, cumulative buckets', () => {
    const [up, req, cpu, hist] = demoFamilies();
    const a = generateHistory(up!);
    const b = generateHistory(demoFamilies()[0]!);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    const zeros = a.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
    expect(zeros).toBeGreaterThan(0);
    expect(zeros / a.length).toBeLessThan(0.01);

    for (const fam of [req!, cpu!]) {
      const v = generateHistory(fam);
      let resets = 0;
      for (let s = 0; s < fam.series.length; s++) {
        for (let k = 1; k < DEMO_SAMPLES; k++) if (v[s * DEMO_SAMPLES + k]! < v[s * DEMO_SAMPLES + k - 1]!) resets++;
      }
      expect(resets).toBeLessThan(fam.series.length * 0.2);
      if (fam.name === 'http_requests_total') expect(resets).toBeGreaterThan(0);
    }

    const h = generateHistory(hist!);
    const per = HISTOGRAM_BUCKETS.length + 2;
    for (let target = 0; target < hist!.series.length / per; target++) {
      const base = target * per;
      expect(getLabel(hist!.series[base + per - 3]!, 'le')).toBe('+Inf');
      expect(getLabel(hist!.series[base + per - 1]!, '__name__')).toBe('http_request_duration_seconds_count');
      for (const k of [0, 700, DEMO_SAMPLES - 1]) {
        let cumulative = true;
        for (let b = 1; b < HISTOGRAM_BUCKETS.length; b++) if (h[(base + b) * DEMO_SAMPLES + k]! < h[(base + b - 1) * DEMO_SAMPLES + k]!) cumulative = false;
        expect(cumulative).toBe(true);
        expect(h[(base + per - 1) * DEMO_SAMPLES + k]).toBe(h[(base + per - 3) * DEMO_SAMPLES + k]);
      }
    }
  });

  it('loads in ~10k-sample batches with whole series, then appends live samples continuing the counters', async () => {
    const fams = demoFamilies().slice(0, 2);
    const seen = new Map<string, number[]>();
    const sizes: number[] = [];
    const write = async (series: DemoSeries[]) => {
      let n = 0;
      for (const s of series) {
        const key = labelsKey(s.labels);
        const arr = seen.get(key) ?? [];
        for (let i = 0; i < s.t.length; i++) arr.push(s.t[i]!);
        seen.set(key, arr);
        n += s.t.length;
      }
      sizes.push(n);
      return { acceptedSamples: n, rejectedSamples: 0 };
    };
    const loaded: string[] = [];
    const res = await loadDemoHistory(write, fams, { onFamilyLoaded: (f) => loaded.push(f.name) });
    expect(loaded).toEqual(['up', 'http_requests_total']);
    expect(res.accepted).toBe(4000 * DEMO_SAMPLES);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_100);
    expect(Math.max(...sizes)).toBeGreaterThan(9_000);

    const liveSeen: DemoSeries[] = [];
    const live = new LiveDemo(async (s) => (liveSeen.push(...s), { acceptedSamples: s.length, rejectedSamples: 0 }), undefined, () => DEMO_END + 15_000);
    live.add(fams[1]!);
    await live.tick(DEMO_END + 60_000);
    await live.tick(DEMO_END + 60_000); // same tick again: nothing new
    await live.stop();
    expect(liveSeen.map((s) => s.t[0])).toEqual([...Array(3000).fill(DEMO_END + 15_000), ...Array(3000).fill(DEMO_END + 60_000)]);
    // counters continue from history (monotone, bar rare resets)
    const hist = generateHistory(demoFamilies()[1]!);
    let continued = 0;
    for (let s = 0; s < 3000; s++) if (liveSeen[s]!.v[0]! >= hist[s * DEMO_SAMPLES + DEMO_SAMPLES - 1]!) continued++;
    expect(continued).toBeGreaterThan(2990);
    expect(DEMO_START + (DEMO_SAMPLES - 1) * DEMO_STEP_MS).toBe(DEMO_END);
  });
});
