/**
 * End-to-end soundness of fan-out pruning: random data on 4 leaves (8 ranges) and random
 * queries through two gateways over the same leaves — one pruning by range, hint and time, one
 * with hint/time pruning off. Every answer must be identical and complete, and the pruning
 * gateway must really have pruned (else the comparison proves nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLabels } from '../src/model/index.js';
import { startGateway, type GatewayHandle } from '../src/router/index.js';
import { labelsOf, silent, startCluster, TestClient, type Cluster, type SeriesIn } from './gateway-harness.js';
import { rng } from '../bench/lib-prng.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

const COLORS = ['red', 'green', 'blue', 'cyan', 'magenta', 'amber'];
const JOBS = ['api', 'billing', 'cache', 'db', 'edge', 'kafka', 'node', 'queue', 'search', 'web', 'zk'];

function genData(r: () => number): SeriesIn[] {
  const out: SeriesIn[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  for (let i = 0; i < 60; i++) {
    const metric = `m${Math.floor(r() * 8)}`;
    const rec: Record<string, string> = { __name__: metric, job: pick(JOBS), instance: `i${Math.floor(r() * 5)}` };
    if (r() < 0.6) rec.color = pick(COLORS);
    if (r() < 0.3) rec.shard = `s${Math.floor(r() * 100)}`;
    // Most series recent; some only hours or days back (time pruning has something to do).
    const base = r() < 0.7 ? T0 : T0 - Math.floor(1 + r() * 72) * HOUR;
    const t: number[] = [];
    const v: number[] = [];
    for (let k = 0; k < 6; k++) {
      t.push(base - (5 - k) * 60_000);
      v.push(Math.round(r() * 100));
    }
    out.push({ labels: labelsOf(rec), t, v });
  }
  return out;
}

function genQuery(r: () => number): { q: string; at: number } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const ms: string[] = [];
  if (r() < 0.7) ms.push(`__name__="m${Math.floor(r() * 9)}"`);
  else if (r() < 0.5) ms.push(`__name__=~"m[${Math.floor(r() * 4)}-${4 + Math.floor(r() * 5)}]"`);
  const c = r();
  if (c < 0.25) ms.push(`color="${pick(COLORS)}"`);
  else if (c < 0.45) ms.push(`color=~"${pick(['re.*', 'gr.*|bl.*', '.*e.*', 'cy(an)?', '.+', 'ma.*a'])}"`);
  else if (c < 0.55) ms.push(`color!="${pick(COLORS)}"`);
  else if (c < 0.62) ms.push(`color=~"|red"`);
  if (r() < 0.25) ms.push(`shard=~"s1.*"`);
  if (r() < 0.2) ms.push(`job="${pick(JOBS)}"`);
  if (!ms.some((m) => m.startsWith('__name__'))) ms.push(`job=~".+"`); // a non-empty matcher is required
  const sel = `{${ms.join(', ')}}`;
  const q = pick([sel, `sum by (job) (${sel})`, `count_over_time(${sel}[10m])`, `max(${sel})`, `quantile(0.5, ${sel})`]);
  const at = r() < 0.7 ? T0 : T0 - Math.floor(r() * 80) * HOUR;
  return { q, at };
}

function text(res: { resultType: string; vector: { labels: { name: string; value: string }[]; value: number }[] }): string[] {
  return res.vector.map((s) => `${formatLabels(s.labels)} ${s.value}`).sort();
}

interface Health {
  partial: boolean;
  prunedByHint: number;
  prunedByTime: number;
}

describe('pruned vs unpruned answers on random data and queries', () => {
  let c: Cluster;
  let plain: GatewayHandle;
  let plainClient: TestClient;
  beforeAll(async () => {
    c = await startCluster({ leaves: 4 });
    plain = await startGateway({ listen: '127.0.0.1:0', assignment: c.store, logger: silent, hints: { enabled: false } });
    plainClient = new TestClient(plain.address);
    const r = rng(20261121);
    const data = genData(r);
    const res = await c.client.write('default', data);
    expect(res.rejectedSamples).toBe(0);
    // Hint streams in sync: a metric that does not exist prunes every leaf.
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const x = await c.client.instant('nope_metric', T0);
      if ((x.health as unknown as Health).prunedByHint > 0) break;
      await new Promise((res2) => setTimeout(res2, 50));
    }
  }, 60_000);
  afterAll(async () => {
    plainClient?.close();
    await plain?.stop();
    await c?.stop();
  });

  it('200 random queries: identical, complete answers; pruning happened', async () => {
    const r = rng(7);
    let prunedHint = 0;
    let prunedTime = 0;
    for (let i = 0; i < 200; i++) {
      const { q, at } = genQuery(r);
      const opts = r() < 0.5 ? { disablePushdown: true } : {};
      const [a, b] = await Promise.all([c.client.instant(q, at, opts), plainClient.instant(q, at, opts)]);
      expect({ q, at, res: text(a) }).toEqual({ q, at, res: text(b) });
      const h = a.health as unknown as Health;
      expect(h.partial).toBe(false);
      expect((b.health as unknown as Health).prunedByHint).toBe(0);
      prunedHint += h.prunedByHint;
      prunedTime += h.prunedByTime;
    }
    expect(prunedHint).toBeGreaterThan(0);
    expect(prunedTime).toBeGreaterThan(0);
  }, 120_000);
});
