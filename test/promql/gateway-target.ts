/**
 * The conformance target for the distributed path: an embedded cluster (N leaves + gateway, real
 * gRPC on loopback, in this process). Each data snapshot is written through the gateway's Write
 * service into a fresh tenant, so a `clear` or a new `load` never needs deletes; queries go through
 * the Query service with that tenant and the query text (`@` variants are re-serialised by the
 * runner's printer).
 */
import { pino } from 'pino';
import { GatewayClient, startEmbeddedCluster, type EmbeddedCluster, type QueryResponse } from '../../src/cli/index.js';
import { InvalidArgumentError, type Label, type Series } from '../../src/model/index.js';
import type { QueryTarget, TargetOutput, TargetValue } from './target.js';

export interface GatewayTarget extends QueryTarget {
  stop(): Promise<void>;
}

function labelsOf(ls: readonly { name: string; value: string }[]): Label[] {
  return ls.map((l) => ({ name: l.name, value: l.value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function toOutput(r: QueryResponse): TargetOutput {
  let value: TargetValue;
  switch (r.resultType) {
    case 'scalar':
      value = { resultType: 'scalar', t: Number(r.scalarTimestampMs), v: r.scalarValue };
      break;
    case 'string':
      value = { resultType: 'string', t: Number(r.scalarTimestampMs), v: r.stringValue };
      break;
    case 'vector':
      value = { resultType: 'vector', samples: r.vector.map((s) => ({ labels: labelsOf(s.labels), t: Number(s.timestampMs), v: s.value })) };
      break;
    case 'matrix':
      value = {
        resultType: 'matrix',
        series: r.matrix.map((s): Series => ({ labels: labelsOf(s.labels), t: Float64Array.from(s.timestampsMs, Number), v: Float64Array.from(s.values) })),
      };
      break;
    default:
      throw new InvalidArgumentError(`gateway returned result type ${JSON.stringify(r.resultType)}`);
  }
  return { value, warnings: r.warnings, infos: r.infos };
}

export async function gatewayTarget(opts: { leaves?: number } = {}): Promise<GatewayTarget> {
  const cluster: EmbeddedCluster = await startEmbeddedCluster({
    leaves: opts.leaves ?? 3,
    grpcAddr: '127.0.0.1:0',
    logger: pino({ level: 'silent' }),
  });
  const client = new GatewayClient(cluster.gateway.address);
  let generation = 0;
  let tenant = 'conformance-0';
  const options = (): { tenant: string; lookbackDeltaMs: number } => ({ tenant, lookbackDeltaMs: 300_000 });
  return {
    async setData(series: readonly Series[]) {
      tenant = `conformance-${++generation}`;
      if (series.length === 0) return;
      const res = await client.write(tenant, series);
      const rejected = Number(res.rejectedSamples);
      if (rejected > 0) throw new InvalidArgumentError(`gateway rejected ${rejected} samples of the test data: ${JSON.stringify(res)}`);
    },
    async instant(q, timeMs) {
      return toOutput(await client.instant({ query: q.text, timeMs: timeMs, hasTime: true, options: options() }));
    },
    async range(q, startMs, endMs, stepMs) {
      return toOutput(await client.range({ query: q.text, startMs: startMs, endMs: endMs, stepMs: stepMs, options: options() }));
    },
    async stop() {
      client.close();
      await cluster.stop();
    },
  };
}
