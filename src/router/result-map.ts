/** Engine output → the QueryResponse message (Prometheus result shapes, health, annotations, stats). */
import type { QueryOutput } from '../engine/index.js';
import type { Labels } from '../model/index.js';
import type { QueryResponse } from '../rpc/gen/canopy/v1/QueryResponse.js';
import type { QueryHealthOut, QueryStatsOut } from './query-context.js';

function labelsOut(ls: Labels): { name: string; value: string }[] {
  return ls.map((l) => ({ name: l.name, value: l.value }));
}

export function toQueryResponse(out: QueryOutput, health: QueryHealthOut, stats: QueryStatsOut, extraWarnings: readonly string[]): QueryResponse {
  const res: QueryResponse = {
    resultType: out.value.resultType,
    health,
    warnings: [...out.warnings, ...extraWarnings.filter((w) => !out.warnings.includes(w))],
    infos: [...out.infos],
    stats: { seriesFetched: stats.seriesFetched, samplesFetched: stats.samplesFetched, bytesFetched: stats.bytesFetched, execMs: stats.execMs },
  };
  const v = out.value;
  switch (v.resultType) {
    case 'vector':
      res.vector = v.samples.map((s) => ({ labels: labelsOut(s.labels), timestampMs: s.t, value: s.v }));
      break;
    case 'matrix':
      res.matrix = v.series.map((s) => ({ labels: labelsOut(s.labels), timestampsMs: Array.from(s.t), values: Array.from(s.v) }));
      break;
    case 'scalar':
      res.scalarTimestampMs = v.t;
      res.scalarValue = v.v;
      break;
    case 'string':
      res.scalarTimestampMs = v.t;
      res.stringValue = v.v;
      break;
  }
  return res;
}
