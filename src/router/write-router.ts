/**
 * The ingest router: validates a write, computes each series' target key, finds its range and
 * the range's replicas, sends one batch per leaf (all in parallel), and acknowledges each series
 * when a quorum of its range's voting replicas has it (src/shard/replicas.ts).
 *
 * Rejections always carry the index of the series in the gateway's request. A leaf that rejects
 * some series of its batch reports batch indexes: they are mapped back here. A leaf whose whole
 * batch was invalid answers INVALID_ARGUMENT with its rejections in the error detail: that is a
 * deterministic answer (the replica "has" the write), not a replica failure.
 */
import type { Logger } from 'pino';
import { InvalidArgumentError, UnavailableError, normalizeLabels, type Label, type Labels } from '../model/index.js';
import {
  checkWriteSeries,
  fromServiceError,
  noValidSeriesError,
  rejectedSeriesText,
  resolveTenant,
  type TimeSeriesIn,
  type WriteRejection,
} from '../rpc/index.js';
import { quorumReached, writeReplicas, type RangeAssignment } from '../shard/index.js';
import type { GatewayMetrics } from './metrics.js';
import type { Topology } from './topology.js';
import { hintsOf } from './hint-state.js';

export interface WriteSeriesIn {
  readonly labels: readonly Label[];
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

export type RejectionOut = WriteRejection;

export interface WriteResult {
  acceptedSeries: number;
  acceptedSamples: number;
  rejectedSamples: number;
  rejections: RejectionOut[];
  replicaErrors: string[];
}

export interface WriteRouterDeps {
  topology: Topology;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Timeout of each leaf batch, ms. */
  leafTimeoutMs: number;
}

export { resolveTenant };

/** What one replica did with one series. */
interface ReplicaOutcome {
  rejections: RejectionOut[];
}

interface LeafBatch {
  leafId: string;
  /** Gateway request indexes, in batch order. */
  indexes: number[];
  series: TimeSeriesIn[];
}

export async function routeWrite(deps: WriteRouterDeps, tenantIn: string, input: readonly WriteSeriesIn[]): Promise<WriteResult> {
  const tenant = resolveTenant(tenantIn);
  if (input.length === 0) throw new InvalidArgumentError('empty write request: no series');
  const { topology, metrics } = deps;
  const table = topology.table;
  const res: WriteResult = { acceptedSeries: 0, acceptedSamples: 0, rejectedSamples: 0, rejections: [], replicaErrors: [] };
  const reject = (r: RejectionOut): void => {
    res.rejections.push(r);
    res.rejectedSamples += r.rejectedSamples;
  };

  // 1. Validate and route every series to its range.
  const rangeOf: (RangeAssignment | undefined)[] = new Array(input.length);
  const labelsOf: Labels[] = new Array(input.length);
  const batches = new Map<string, LeafBatch>();
  let valid = 0;
  for (let i = 0; i < input.length; i++) {
    const s = input[i]!;
    const labels = normalizeLabels(s.labels);
    labelsOf[i] = labels;
    const n = s.t.length;
    // The leaf wire carries int64 ms: a timestamp that is not a safe integer cannot even be sent
    // (in-process callers such as an HTTP ingest path may hand us one). Finer checks (negative,
    // out of order, too old) are the leaf's, per sample.
    const bad = checkWriteSeries(i, labels, s.t, s.v, { integerTimestamps: true });
    if (bad) {
      reject(bad);
      continue;
    }
    const range = table.rangeOf(topology.encoder.keyOf(tenant, labels));
    if (!range || range.replicas.length === 0) {
      reject({ seriesIndex: i, series: rejectedSeriesText(labels), reason: 'unknown_range', message: 'no range (or no replica) holds the target key of this series', rejectedSamples: n });
      continue;
    }
    valid++;
    rangeOf[i] = range;
    for (const leafId of writeReplicas(range)) {
      let b = batches.get(leafId);
      if (!b) batches.set(leafId, (b = { leafId, indexes: [], series: [] }));
      b.indexes.push(i);
      b.series.push({ labels, t: s.t, v: s.v });
    }
  }
  if (valid === 0) throw noValidSeries(res.rejections, metrics);

  // 2. One batch per leaf, in parallel.
  const outcomes = new Map<string, Map<number, ReplicaOutcome>>(); // leaf → gateway index → outcome
  const failures = new Map<string, string>(); // leaf → error
  await Promise.all(
    [...batches.values()].map(async (b) => {
      const client = topology.client(b.leafId);
      if (!client) {
        failures.set(b.leafId, `leaf ${b.leafId} is not registered`);
        return;
      }
      const perSeries = new Map<number, ReplicaOutcome>();
      for (const i of b.indexes) perSeries.set(i, { rejections: [] });
      const mapRejections = (rs: readonly RejectionOut[]): void => {
        for (const r of rs) {
          const gi = b.indexes[r.seriesIndex];
          if (gi === undefined) continue;
          perSeries.get(gi)!.rejections.push({ ...r, seriesIndex: gi });
        }
      };
      try {
        const out = await client.write(tenant, b.series, deps.leafTimeoutMs);
        // Read-your-writes: this leaf is not pruned by hint until the index caught up with the write.
        if (out.hintsEpoch) hintsOf(topology)?.index.expectAtLeast(b.leafId, { epoch: out.hintsEpoch, seq: Number(out.hintsSeq) });
        mapRejections(out.rejections);
        outcomes.set(b.leafId, perSeries);
        topology.markUp(b.leafId);
        metrics.leafCalls.inc({ leaf: b.leafId, method: 'write', outcome: 'ok' });
      } catch (e) {
        const ce = fromServiceError(e);
        const detail = ce.detail as { rejections?: RejectionOut[] } | undefined;
        if (ce.code === 'INVALID_ARGUMENT' && Array.isArray(detail?.rejections)) {
          mapRejections(detail.rejections);
          outcomes.set(b.leafId, perSeries);
          metrics.leafCalls.inc({ leaf: b.leafId, method: 'write', outcome: 'rejected' });
          return;
        }
        failures.set(b.leafId, ce.message);
        if (ce.code === 'UNAVAILABLE' || ce.code === 'DEADLINE_EXCEEDED') topology.markDown(b.leafId, ce.message);
        metrics.leafCalls.inc({ leaf: b.leafId, method: 'write', outcome: 'error' });
      }
    }),
  );
  for (const [leafId, err] of failures) {
    res.replicaErrors.push(`leaf ${leafId}: ${err}`);
    metrics.writeReplicaErrors.inc({ leaf: leafId });
    deps.logger.warn({ leaf: leafId, err }, 'write batch failed');
  }

  // 3. Per series: quorum, then the outcome of the first replica (in assignment order) that has it.
  let replicaFailures = 0;
  for (let i = 0; i < input.length; i++) {
    const range = rangeOf[i];
    if (!range) continue;
    const n = input[i]!.t.length;
    const succeeded = new Set<string>();
    for (const x of range.replicas) if (outcomes.has(x.leafId)) succeeded.add(x.leafId);
    if (!quorumReached(range, succeeded)) {
      const errs = writeReplicas(range).map((id) => `${id}: ${failures.get(id) ?? 'ok'}`);
      reject({ seriesIndex: i, series: rejectedSeriesText(labelsOf[i]!), reason: 'replica_failure', message: `range ${range.id}: no quorum of replicas has the write (${errs.join('; ')})`, rejectedSamples: n });
      replicaFailures++;
      continue;
    }
    const first = range.replicas.find((x) => x.state !== 'initializing' && succeeded.has(x.leafId)) ?? range.replicas.find((x) => succeeded.has(x.leafId))!;
    const outcome = outcomes.get(first.leafId)!.get(i)!;
    let rejected = 0;
    for (const r of outcome.rejections) {
      reject(r);
      rejected += r.rejectedSamples;
    }
    const accepted = Math.max(0, n - rejected);
    if (accepted > 0) {
      res.acceptedSeries++;
      res.acceptedSamples += accepted;
    }
  }

  res.rejections.sort((a, b) => a.seriesIndex - b.seriesIndex);
  for (const r of res.rejections) {
    metrics.writeRejectedSeries.inc({ reason: r.reason });
    metrics.writeRejectedSamples.inc({ reason: r.reason }, r.rejectedSamples);
  }
  metrics.writeAcceptedSamples.inc(res.acceptedSamples);

  if (res.acceptedSeries === 0 && res.rejections.length > 0) {
    if (replicaFailures > 0) {
      throw new UnavailableError(`write failed: no replica quorum for ${replicaFailures} series (${res.replicaErrors.join('; ')})`, { rejections: res.rejections, replicaErrors: res.replicaErrors });
    }
    throw noValidSeriesError(res.rejections);
  }
  return res;
}

function noValidSeries(rejections: RejectionOut[], metrics: GatewayMetrics): InvalidArgumentError {
  for (const r of rejections) {
    metrics.writeRejectedSeries.inc({ reason: r.reason });
    metrics.writeRejectedSamples.inc({ reason: r.reason }, r.rejectedSamples);
  }
  return noValidSeriesError(rejections);
}
