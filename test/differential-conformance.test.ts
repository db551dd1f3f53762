/**
 * Requirement (a) of distributed planning: every promqltest eval, run in distributed mode WITH
 * PUSHDOWN on 4 leaves and many ranges per script (the tenant's target keys split at 8
 * quantiles, two ranges per leaf), passes exactly when it passes on the single-node engine.
 * The adapter is the one of e2e-cluster-promql.test.ts (fresh tenant and re-split per script,
 * t=0 instants as one-step ranges).
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

const RANGES = 8;

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
      // Split the tenant's keys at RANGES quantiles so the script's targets spread over many
      // ranges on all leaves (range i on leaf i mod N).
      const keys = [...new Map(series.map((s) => { const k = encoder.keyOf(tenant, s.labels); return [Buffer.from(k).toString('hex'), k] as [string, Key]; })).values()].sort(compareKeys);
      const splits = Array.from({ length: RANGES - 1 }, (_, i) => keys[Math.floor((keys.length * (i + 1)) / RANGES)]).filter((k): k is Key => k !== undefined && keys.length >= 2);
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

describe('promqltest scripts, distributed with pushdown (4 leaves, 8 ranges per script)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 4 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('gives the same pass count as the single-node engine', async () => {
    const files = loadScriptFiles();
    const index = loadEvalIndex();
    const common = { parse, format: formatExpr, index, variants: false, rangeCheck: false };
    const local = await runScripts(files, { ...common, target: engineTarget(GATEWAY_ENGINE_OPTIONS) });
    const remote = await runScripts(files, { ...common, target: gatewayTarget(c) });
    const key = (r: CaseResult) => `${r.file}:${r.line}`;
    const remoteByKey = new Map(remote.cases.map((r) => [key(r), r]));
    const differing = local.cases.filter((r) => r.status === 'passed' && remoteByKey.get(key(r))?.status !== 'passed');
    const regressions = differing.map((r) => `${key(r)} ${r.expr}: ${remoteByKey.get(key(r))?.failure?.message ?? 'missing'}`);
    expect(regressions, regressions.slice(0, 10).join('\n')).toEqual([]);
    expect(remote.counts.passed).toBeGreaterThanOrEqual(local.counts.passed);
    process.stderr.write(`conformance: single node ${local.counts.passed}/${local.counts.cases} passed, distributed with pushdown ${remote.counts.passed}/${remote.counts.cases}\n`);
  }, 240_000);
});
