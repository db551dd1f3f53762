/**
 * The promqltest adapter for a harness cluster (test/gateway-harness.ts): each `setData` uses a
 * fresh tenant (tenants never see each other's series) and re-splits the ranges at quantiles of
 * that tenant's target keys, so the script's targets spread over all leaves and no restart is
 * needed between scripts. Queries go through the gateway client; a partial answer is a failure.
 * Shared by e2e-cluster-promql.test.ts and differential-conformance.test.ts.
 */
import { compareKeys, KeyEncoder, type Key, type Series } from '../../src/model/index.js';
import { formatExpr, parse } from '../../src/promql/index.js';
import { initialRanges } from '../../src/shard/index.js';
import type { Cluster } from '../gateway-harness.js';
import { engineTarget, GATEWAY_ENGINE_OPTIONS } from '../promql/engine-target.js';
import { runScripts, type CaseResult, type RunOptions, type ScriptFile, type SuiteResult } from '../promql/runner.js';
import type { QueryTarget, TargetOutput } from '../promql/target.js';
import type { QueryResponse__Output } from '../../src/rpc/gen/canopy/v1/QueryResponse.js';

const OPTIONS = { lookbackDeltaMs: 300_000 };

export function toTargetOutput(r: QueryResponse__Output): TargetOutput {
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

export interface SplitOptions {
  /** How many ranges each script's tenant is split into (range i on leaf i mod N). */
  ranges: number;
  /** Fewer distinct target keys than this: no split at all (one range). */
  minKeys: number;
}

export function gatewayScriptTarget(c: Cluster, split: SplitOptions): QueryTarget {
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
      // Split the tenant's keys at `split.ranges` quantiles so the script's targets spread over the leaves.
      const keys = [...new Map(series.map((s) => { const k = encoder.keyOf(tenant, s.labels); return [Buffer.from(k).toString('hex'), k] as [string, Key]; })).values()].sort(compareKeys);
      const splits = Array.from({ length: split.ranges - 1 }, (_, i) => keys[Math.floor((keys.length * (i + 1)) / split.ranges)]).filter((k): k is Key => k !== undefined && keys.length >= split.minKeys);
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

/**
 * Runs the scripts on the single-node engine and on `remote`; `regressions` lists every eval
 * the engine passes and the remote target does not (`file:line expr: message`).
 */
export async function runAgainstEngine(files: readonly ScriptFile[], index: RunOptions['index'], remote: QueryTarget): Promise<{ local: SuiteResult; remote: SuiteResult; regressions: string[] }> {
  const common = { parse, format: formatExpr, index, variants: false, rangeCheck: false };
  const localRun = await runScripts(files, { ...common, target: engineTarget(GATEWAY_ENGINE_OPTIONS) });
  const remoteRun = await runScripts(files, { ...common, target: remote });
  const key = (r: CaseResult) => `${r.file}:${r.line}`;
  const remoteByKey = new Map(remoteRun.cases.map((r) => [key(r), r]));
  const differing = localRun.cases.filter((r) => r.status === 'passed' && remoteByKey.get(key(r))?.status !== 'passed');
  const regressions = differing.map((r) => `${key(r)} ${r.expr}: ${remoteByKey.get(key(r))?.failure?.message ?? 'missing'}`);
  return { local: localRun, remote: remoteRun, regressions };
}
