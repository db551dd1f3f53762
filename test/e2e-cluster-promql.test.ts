/**
 * Prometheus's promqltest scripts through the distributed path: data written through the
 * gateway's Write service onto 3 leaves (ranges split so each script's targets spread over all
 * leaves), queries answered by the gateway (fan-out, raw fetch, merge, engine). Differential:
 * every eval the single-node engine passes must pass through the gateway too.
 *
 * Each `setData` uses a fresh tenant (tenants never see each other's series) and re-splits the
 * ranges at quantiles of that tenant's target keys, so no restart is needed between scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys, KeyEncoder, type Key, type Series } from '../src/model/index.js';
import { formatExpr, parse } from '../src/promql/index.js';
import { initialRanges } from '../src/shard/index.js';
import { startCluster, type Cluster } from './gateway-harness.js';
import { engineTarget, GATEWAY_ENGINE_OPTIONS } from './promql/engine-target.js';
import { runScripts, type CaseResult } from './promql/runner.js';
import { loadEvalIndex, loadScriptFiles } from './promql/suite.js';
import type { QueryTarget, TargetOutput } from './promql/target.js';
import type { QueryResponse__Output } from '../src/rpc/gen/canopy/v1/QueryResponse.js';

/** All scripts by default (≈ 30 s); CANOPY_CONF_FILES=functions,operators narrows the run. */
const FILES = process.env.CANOPY_CONF_FILES ? process.env.CANOPY_CONF_FILES.split(',') : undefined;

const OPTIONS = { lookbackDeltaMs: 300_000 };

function toTargetOutput(r: QueryResponse__Output): TargetOutput {
  const labels = (ls: { name: string; value: string }[]) => ls.map((l) => ({ name: l.name, value: l.value }));
  let value: TargetOutput['value'];
  switch (r.resultType) {
    case 'vector':
      value = { resultType: 'vector', samples: r.vector.map((s) => ({ labels: labels(s.labels), t: Number(s.timestampMs), v: s.value })) };
      break;
    case 'matrix':
      value = { resultType: 'matrix', series: r.matrix.map((s) => ({ labels: labels(s.labels), t: Float64Array.from(s.timestampsMs.map(Number)), v: Float64Array.from(s.values) })) };
      break;
    case 'scalar':
      value = { resultType: 'scalar', t: Number(r.scalarTimestampMs), v: r.scalarValue };
      break;
    default:
      value = { resultType: 'string', t: Number(r.scalarTimestampMs), v: r.stringValue };
  }
  // Gateway-level warnings (partial answers) would be a failure here anyway: health must be complete.
  return { value, warnings: r.warnings, infos: r.infos };
}

function gatewayTarget(c: Cluster): QueryTarget {
  let gen = 0;
  let tenant = 'default';
  const encoder = new KeyEncoder();
  const options = () => ({ tenant, ...OPTIONS });
  const check = (r: QueryResponse__Output) => {
    if (r.health?.partial) throw new Error(`partial answer: ${JSON.stringify(r.health)}`);
    return toTargetOutput(r);
  };
  return {
    async setData(series: readonly Series[]) {
      gen++;
      tenant = `conf${gen}`;
      // Split the tenant's keys at thirds so the script's targets spread over the 3 leaves.
      const keys = [...new Map(series.map((s) => { const k = encoder.keyOf(tenant, s.labels); return [Buffer.from(k).toString('hex'), k] as [string, Key]; })).values()].sort(compareKeys);
      const splits = [1, 2].map((i) => keys[Math.floor((keys.length * i) / 3)]).filter((k): k is Key => k !== undefined && keys.length >= 3);
      const old = c.store.ranges().map((r) => r.id);
      const fresh = initialRanges(c.leaves.map((l) => l.id), { splitKeys: splits }).map((r) => ({ ...r, id: `g${gen}${r.id}` }));
      for (const r of fresh) await c.store.putRange(r);
      for (const id of old) await c.store.removeRange(id);
      await new Promise((r) => setTimeout(r, 0));
      for (let i = 0; i < series.length; i += 500) {
        const batch = series.slice(i, i + 500).map((s) => ({ labels: [...s.labels], t: s.t as unknown as number[], v: s.v as unknown as number[] }));
        const res = await c.client.write(tenant, batch).catch((e: unknown) => {
          throw new Error(`write failed: ${(e as Error).message}`);
        });
        if (res.rejections.length > 0) throw new Error(`write rejected: ${JSON.stringify(res.rejections.slice(0, 3))}`);
      }
    },
    async instant(q, timeMs) {
      return check(await c.client.instant(q.text, timeMs, options()));
    },
    async range(q, startMs, endMs, stepMs) {
      return check(await c.client.range(q.text, startMs, endMs, stepMs, options()));
    },
  };
}

describe('promqltest scripts through the gateway (3 leaves)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('passes every eval the single-node engine passes', async () => {
    const files = loadScriptFiles(undefined, FILES);
    const index = loadEvalIndex();
    const common = { parse, format: formatExpr, index, variants: false, rangeCheck: false };
    const local = await runScripts(files, { ...common, target: engineTarget(GATEWAY_ENGINE_OPTIONS) });
    const remote = await runScripts(files, { ...common, target: gatewayTarget(c) });
    const key = (r: CaseResult) => `${r.file}:${r.line}`;
    const remoteByKey = new Map(remote.cases.map((r) => [key(r), r]));
    const differing = local.cases.filter((r) => r.status === 'passed' && remoteByKey.get(key(r))?.status !== 'passed');
    const regressions = differing.map((r) => `${key(r)} ${r.expr}: ${remoteByKey.get(key(r))?.failure?.message ?? 'missing'}`);
    expect(regressions, regressions.slice(0, 10).join('\n')).toEqual([]);
    if (!FILES) expect(remote.counts.passed).toBeGreaterThan(1000);
  }, 180_000);
});
