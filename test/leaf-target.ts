/**
 * A promqltest `QueryTarget` that evaluates through a real leaf over gRPC: data is written with
 * `LeafClient.write` (one fresh tenant per script data set) and every query is an Execute with an
 * `ExprFragment`, so the scripts exercise the write path, the store's querier, the engine pushdown
 * and the Arrow stream together. The result type comes from the query's AST (`typeOf`), as the
 * gateway's planner knows it.
 */
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import type { Series } from '../src/model/index.js';
import { parse, typeOf } from '../src/promql/index.js';
import { LeafClient, type ExecuteEvent } from '../src/rpc/index.js';
import type { ExecuteRequest } from '../src/rpc/gen/canopy/v1/ExecuteRequest.js';
import type { QueryTarget, TargetOutput } from './promql/target.js';

export interface LeafTarget extends QueryTarget {
  close(): Promise<void>;
}

export async function leafTarget(): Promise<LeafTarget> {
  const leaf: LeafHandle = await startLeaf({ id: 'conformance' });
  const client = new LeafClient(leaf.address);
  let gen = 0;
  let tenant = 'c0';

  async function run(req: ExecuteRequest): Promise<{ series: Series[]; warnings: string[] }> {
    const out = { series: [] as Series[], warnings: [] as string[] };
    for await (const ev of client.execute(req, { deadlineMs: 30_000 }) as AsyncIterable<ExecuteEvent>) {
      if (ev.kind === 'batch') out.series.push(...ev.series);
      else if (ev.kind === 'warning') out.warnings.push(ev.message);
    }
    return out;
  }

  function split(warnings: string[]): Pick<TargetOutput, 'warnings' | 'infos'> {
    return { warnings: warnings.filter((w) => !w.startsWith('PromQL info')), infos: warnings.filter((w) => w.startsWith('PromQL info')) };
  }

  return {
    async setData(series) {
      tenant = `c${++gen}`;
      const rows = series.filter((s) => s.t.length > 0);
      for (let i = 0; i < rows.length; i += 500) await client.write(tenant, rows.slice(i, i + 500), 30_000);
    },
    async instant(q, timeMs) {
      const type = typeOf(q.expr ?? parse(q.text));
      const r = await run({ tenant, fragment: { expr: { promql: q.text, startMs: timeMs, endMs: timeMs, stepMs: 0, lookbackMs: 300_000 } } });
      const ann = split(r.warnings);
      if (type === 'scalar') {
        const s = r.series[0];
        return { value: { resultType: 'scalar', t: s ? s.t[0]! : timeMs, v: s ? s.v[0]! : NaN }, ...ann };
      }
      if (type === 'matrix') return { value: { resultType: 'matrix', series: r.series }, ...ann };
      if (type === 'string') throw new Error('string results are not carried by Execute');
      return { value: { resultType: 'vector', samples: r.series.map((s) => ({ labels: s.labels, t: s.t[0]!, v: s.v[0]! })) }, ...ann };
    },
    async range(q, startMs, endMs, stepMs) {
      const r = await run({ tenant, fragment: { expr: { promql: q.text, startMs, endMs, stepMs, lookbackMs: 300_000 } } });
      return { value: { resultType: 'matrix', series: r.series }, ...split(r.warnings) };
    },
    async close() {
      client.close();
      await leaf.stop();
    },
  };
}
