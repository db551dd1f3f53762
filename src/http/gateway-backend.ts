/** `PromApiBackend` over the gateway's query path (runQuery, RemoteQuerier) and ingest router. */
import type { Labels, Matcher } from '../model/index.js';
import { checkHealth, newContext, RemoteQuerier, routeWrite, runQuery, type QueryDeps, type QueryHealthOut, type WriteRouterDeps } from '../router/index.js';
import type { ApiQueryOptions, ListAnswer, PromApiBackend, QueryAnswer, QuerySpec, SeriesIn, WriteAnswer } from './backend.js';

function grpcOptions(o: ApiQueryOptions) {
  return { tenant: o.tenant, timeoutMs: o.timeoutMs, partialResponse: o.partial === 'abort' ? ('ABORT' as const) : ('WARN' as const), lookbackDeltaMs: o.lookbackDeltaMs, maxSamples: 0 };
}

export function gatewayBackend(queryDeps: QueryDeps, writeDeps: WriteRouterDeps): PromApiBackend {
  /** The deps of one request: its logger carries the request id (the query's own logs add queryId). */
  const depsFor = (o: ApiQueryOptions): QueryDeps => (o.requestId ? { ...queryDeps, logger: queryDeps.logger.child({ reqId: o.requestId }) } : queryDeps);

  async function list<T>(o: ApiQueryOptions, signal: AbortSignal, fn: (q: RemoteQuerier) => Promise<T>): Promise<ListAnswer<T>> {
    const ctx = newContext(depsFor(o), grpcOptions(o), signal);
    try {
      const value = await fn(new RemoteQuerier(ctx, queryDeps.topology, queryDeps.metrics));
      ctx.finish();
      const health = ctx.health();
      return { value, health, warnings: [...ctx.warnings, ...checkHealth(ctx, health)] };
    } finally {
      ctx.finish();
    }
  }

  return {
    async query(query: string, spec: QuerySpec, o: ApiQueryOptions, signal: AbortSignal): Promise<QueryAnswer> {
      const run = await runQuery(depsFor(o), query, spec, grpcOptions(o), signal);
      const h: QueryHealthOut = run.health;
      const extra = [...run.ctx.warnings, ...run.warnings].filter((w) => !run.output.warnings.includes(w));
      return {
        value: run.output.value,
        warnings: [...run.output.warnings, ...extra],
        infos: [...run.output.infos],
        health: h,
        fanout: { expected: h.expectedChildren, pruned: h.prunedByRange + h.prunedByHint + h.prunedByTime },
      };
    },
    series: (selectors: Matcher[][], start, end, limit, o, signal) => list<Labels[]>(o, signal, (q) => q.series(selectors, start, end, limit)),
    labelNames: (selectors, start, end, limit, o, signal) => list<string[]>(o, signal, (q) => q.labelsFor('labelNames', '', selectors, start, end, limit)),
    labelValues: (name, selectors, start, end, limit, o, signal) => list<string[]>(o, signal, (q) => q.labelsFor('labelValues', name, selectors, start, end, limit)),
    async write(tenant: string, series: readonly SeriesIn[]): Promise<WriteAnswer> {
      return routeWrite(writeDeps, tenant, series);
    },
    ready() {
      const table = queryDeps.topology.table;
      if (table.size === 0) return { ready: false, message: 'no ranges assigned yet' };
      if (table.leaves().length === 0) return { ready: false, message: 'no leaves registered' };
      return { ready: true, message: 'ready' };
    },
  };
}
