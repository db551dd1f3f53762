/**
 * The Leaf gRPC service: handlers over a `LeafStore`. Every error leaves through
 * `toServiceError`; every read is scoped to the tenant and the key ranges named in the request.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { compareLabels, InvalidArgumentError, labelsKey, type KeySpan, type LabelHints, type Matcher, type Series } from '../model/index.js';
import { toServiceError } from '../rpc/status.js';
import type { LeafHandlers } from '../rpc/gen/canopy/v1/Leaf.js';
import type { KeyRange__Output } from '../rpc/gen/canopy/v1/KeyRange.js';
import type { MatcherList__Output } from '../rpc/gen/canopy/v1/MatcherList.js';
import type { RangeStats } from '../rpc/gen/canopy/v1/RangeStats.js';
import { evalSelector, matchersFromProto } from './execute-selector.js';
import { evalExpr } from './execute-expr.js';
import { streamSeries, writeFrame, type ExecuteCall, type StreamTotals } from './execute-stream.js';
import type { LeafMetrics } from './metrics.js';
import type { LeafStore } from './store.js';
import { handleTransfer } from './transfer-service.js';
import { handleHints } from './hints-service.js';
import { applyWrite, resolveTenant } from './write.js';

export interface LeafServiceContext {
  id: string;
  zone: string;
  address: () => string;
  store: LeafStore;
  metrics: LeafMetrics;
  logger: Logger;
  /** Ranges this leaf knows it holds (set by its owner, or learnt from requests), by range id. */
  ranges: Map<string, { tenant?: string; span: KeySpan }>;
  /** Learn ranges from requests (true until the owner declares the ranges with setRanges). */
  learnRanges: { value: boolean };
  /** Target size of one Arrow batch frame, bytes. */
  batchTargetBytes?: number;
}

export function spansFromProto(ranges: readonly KeyRange__Output[] | undefined): KeySpan[] | undefined {
  if (!ranges || ranges.length === 0) return undefined;
  return ranges.map((r) => ({ start: new Uint8Array(r.start ?? []), end: new Uint8Array(r.end ?? []) }));
}

/** Request times: 0 means unbounded (proto3 default); any other value is a bound, even negative. */
function timeHints(startMs: number, endMs: number): { start?: number; end?: number } {
  return { start: startMs !== 0 ? startMs : undefined, end: endMs !== 0 ? endMs : undefined };
}

function selectorsFromProto(sel: readonly MatcherList__Output[]): Matcher[][] {
  return sel.map((l) => matchersFromProto(l.matchers)).filter((ms) => ms.length > 0);
}

export function leafService(ctx: LeafServiceContext): LeafHandlers {
  const remember = (tenant: string, ranges: readonly KeyRange__Output[]): void => {
    if (!ctx.learnRanges.value) return;
    for (const r of ranges) {
      if (r.id && !ctx.ranges.has(r.id)) ctx.ranges.set(r.id, { tenant, span: { start: new Uint8Array(r.start), end: new Uint8Array(r.end) } });
    }
  };

  return {
    Write(call, cb) {
      // Acknowledged only once the accepted samples are durable (WAL under the fsync policy;
      // at once in memory-only mode). They are visible to reads as soon as they are applied.
      const write = async () => {
        const req = call.request as typeof call.request & { decodeError?: string };
        if (req.decodeError !== undefined) throw new InvalidArgumentError(req.decodeError);
        const series = req.series.map((s) => ({ labels: s.labels, t: s.timestampsMs, v: s.values }));
        const res = applyWrite(ctx.store, ctx.metrics, req.tenant, series);
        await ctx.store.commit();
        // Read-your-writes: the gateway does not prune this leaf by hint until it saw this point.
        return { ...res, hintsEpoch: ctx.store.hints.epoch, hintsSeq: ctx.store.hints.seq };
      };
      write().then(
        (res) => cb(null, { ...res, replicaErrors: [] }),
        (e: unknown) => cb(toServiceError(e)),
      );
    },

    Execute(call: ExecuteCall) {
      void execute(ctx, call, remember).catch((e: unknown) => {
        if (call.cancelled) return;
        ctx.logger.debug({ err: e, queryId: call.request.queryId }, 'execute failed');
        call.emit('error', toServiceError(e));
      });
    },

    Series(call, cb) {
      try {
        const req = call.request;
        const tenant = resolveTenant(req.tenant);
        const store = ctx.store.tenant(tenant);
        const spans = spansFromProto(req.ranges);
        remember(tenant, req.ranges);
        const { start, end } = timeHints(req.startMs, req.endMs);
        const seen = new Map<string, Series>();
        const lists = selectorsFromProto(req.selectors);
        if (lists.length === 0) throw new InvalidArgumentError('series request needs at least one selector');
        for (const ms of lists) {
          for (const s of store?.selectSeries(ms, spans, start ?? -Infinity, end ?? Infinity, true) ?? []) {
            seen.set(labelsKey(s.labels), s);
          }
        }
        let out = [...seen.values()];
        if (lists.length > 1) out.sort((a, b) => compareLabels(a.labels, b.labels));
        if (req.limit > 0) out = out.slice(0, req.limit);
        cb(null, { series: out.map((s) => ({ labels: s.labels.map((l) => ({ name: l.name, value: l.value })) })) });
      } catch (e) {
        cb(toServiceError(e));
      }
    },

    LabelNames(call, cb) {
      labels(ctx, call, cb, remember, (store, spans, hints) => store.labelNames(spans, hints));
    },

    LabelValues(call, cb) {
      if (call.request.name === '') {
        cb(toServiceError(new InvalidArgumentError('label values request needs a label name')));
        return;
      }
      labels(ctx, call, cb, remember, (store, spans, hints) => store.labelValues(call.request.name, spans, hints));
    },

    Transfer(call) {
      handleTransfer(ctx.store, ctx.logger, call);
    },

    Hints(call) {
      handleHints(ctx.store.hints, ctx.logger, call);
    },

    Status(_call, cb) {
      try {
        const tenants = ctx.store.tenantNames();
        const ranges: RangeStats[] = [];
        let series = 0;
        let samples = 0;
        let bytes = 0;
        for (const t of tenants) {
          const st = ctx.store.stats(t);
          series += st.series;
          samples += st.samples;
          bytes += st.bytes;
          ranges.push(rangeStats('', t, st));
        }
        for (const [id, r] of ctx.ranges) {
          for (const t of r.tenant ? [r.tenant] : tenants) ranges.push(rangeStats(id, t, ctx.store.stats(t, [r.span])));
        }
        cb(null, { leafId: ctx.id, address: ctx.address(), zone: ctx.zone, series, samples, bytes, ranges, tenants });
      } catch (e) {
        cb(toServiceError(e));
      }
    },
  };
}

function rangeStats(rangeId: string, tenant: string, st: ReturnType<LeafStore['stats']>): RangeStats {
  return {
    rangeId,
    tenant,
    series: st.series,
    samples: st.samples,
    bytes: st.bytes,
    minTimeMs: Number.isFinite(st.minTimeMs) ? st.minTimeMs : 0,
    maxTimeMs: Number.isFinite(st.maxTimeMs) ? st.maxTimeMs : 0,
  };
}

type LabelsCall = grpc.ServerUnaryCall<import('../rpc/gen/canopy/v1/LeafLabelsRequest.js').LeafLabelsRequest__Output, unknown>;
type LabelsCb = grpc.sendUnaryData<import('../rpc/gen/canopy/v1/LeafLabelsResponse.js').LeafLabelsResponse>;
type TenantStoreT = NonNullable<ReturnType<LeafStore['tenant']>>;

function labels(
  ctx: LeafServiceContext,
  call: LabelsCall,
  cb: LabelsCb,
  remember: (tenant: string, ranges: readonly KeyRange__Output[]) => void,
  read: (store: TenantStoreT, spans: KeySpan[] | undefined, hints: LabelHints) => string[],
): void {
  try {
    const req = call.request;
    const tenant = resolveTenant(req.tenant);
    remember(tenant, req.ranges);
    const store = ctx.store.tenant(tenant);
    if (!store) return cb(null, { values: [] });
    const spans = spansFromProto(req.ranges);
    const base: LabelHints = timeHints(req.startMs, req.endMs);
    const lists = selectorsFromProto(req.selectors);
    let values: string[];
    if (lists.length <= 1) {
      values = read(store, spans, { ...base, matchers: lists[0], limit: req.limit || undefined });
    } else {
      const set = new Set<string>();
      for (const ms of lists) for (const v of read(store, spans, { ...base, matchers: ms })) set.add(v);
      values = [...set].sort();
      if (req.limit > 0) values = values.slice(0, req.limit);
    }
    cb(null, { values });
  } catch (e) {
    cb(toServiceError(e));
  }
}

async function execute(ctx: LeafServiceContext, call: ExecuteCall, remember: (tenant: string, ranges: readonly KeyRange__Output[]) => void): Promise<void> {
  const started = performance.now();
  const req = call.request;
  const tenant = resolveTenant(req.tenant);
  remember(tenant, req.ranges);
  const spans = spansFromProto(req.ranges);
  const store = ctx.store.tenant(tenant);
  const frag = req.fragment;
  let series: Series[];
  let warnings: string[] = [];
  let kind: string;
  if (frag?.selector) {
    kind = frag.selector.raw ? 'raw' : frag.selector.rangeMs > 0 ? 'range' : 'instant';
    series = evalSelector(store, spans, frag.selector, req.maxSamples);
  } else if (frag?.expr) {
    kind = 'expr';
    const r = await evalExpr(ctx.store.querier(tenant, spans), frag.expr, req.maxSamples);
    series = r.series;
    warnings = r.warnings;
  } else {
    throw new InvalidArgumentError('execute request has no fragment (selector or expr)');
  }
  const totals: StreamTotals = { series: 0, samples: 0, bytes: 0 };
  const cancelled = (): void => {
    ctx.metrics.executeCancelled.inc({ kind });
    ctx.logger.debug({ queryId: req.queryId, sent: totals }, 'execute cancelled by the caller');
  };
  if (!(await streamSeries(call, series, totals, ctx.batchTargetBytes))) return cancelled();
  for (const w of warnings) if (!(await writeFrame(call, { warning: w }))) return cancelled();
  const execMs = performance.now() - started;
  if (!(await writeFrame(call, { stats: { ...totals, execMs } }))) return cancelled();
  call.end();
  ctx.metrics.executeSeconds.observe({ kind }, execMs / 1000);
  ctx.metrics.executeSamples.inc({ kind }, totals.samples);
}
