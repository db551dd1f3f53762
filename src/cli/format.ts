/**
 * Output formatting for query results: the Prometheus HTTP API `data` object (plus `health`) for
 * `--json`, and readable tables otherwise.
 */
import { formatValue as formatPromValue } from '../http/index.js';
import { formatLabels, type Labels } from '../model/index.js';
import type { QueryResponse } from './client.js';
import type { QueryHealth__Output } from '../rpc/gen/canopy/v1/QueryHealth.js';

type Label = { name: string; value: string };

/** Sample values as Prometheus prints them; one implementation, shared with the HTTP API. */
export { formatPromValue };

/** Prometheus JSON timestamps: unix seconds as a number (ms precision). */
function promTime(ms: number): number {
  return ms / 1000;
}

function metricObject(labels: readonly Label[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

export interface HealthJson {
  expectedChildren: number;
  completedChildren: number;
  completeness: number;
  partial: boolean;
  issues: { kind: string; rangeId: string; leafId: string; message: string }[];
  prunedByRange: number;
  prunedByHint: number;
  prunedByTime: number;
}

export function healthJson(h: QueryHealth__Output | null | undefined): HealthJson {
  return {
    expectedChildren: h?.expectedChildren ?? 0,
    completedChildren: h?.completedChildren ?? 0,
    completeness: h?.completeness ?? 1,
    partial: h?.partial ?? false,
    issues: (h?.issues ?? []).map((i) => ({ kind: i.kind, rangeId: i.rangeId, leafId: i.leafId, message: i.message })),
    prunedByRange: h?.prunedByRange ?? 0,
    prunedByHint: h?.prunedByHint ?? 0,
    prunedByTime: h?.prunedByTime ?? 0,
  };
}

/** The Prometheus HTTP API `data` object for a query response, plus `health`. */
export function toPromData(res: QueryResponse): { resultType: string; result: unknown; health: HealthJson } {
  const health = healthJson(res.health);
  switch (res.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: res.vector.map((s) => ({ metric: metricObject(s.labels), value: [promTime(s.timestampMs), formatPromValue(s.value)] })),
        health,
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: res.matrix.map((s) => ({
          metric: metricObject(s.labels),
          values: s.timestampsMs.map((t, i) => [promTime(t), formatPromValue(s.values[i]!)]),
        })),
        health,
      };
    case 'scalar':
      return { resultType: 'scalar', result: [promTime(res.scalarTimestampMs), formatPromValue(res.scalarValue)], health };
    case 'string':
      return { resultType: 'string', result: [promTime(res.scalarTimestampMs), res.stringValue], health };
    default:
      return { resultType: res.resultType, result: [], health };
  }
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `complete (3/3 children, 2 pruned by range)` or `PARTIAL 2/3 (67%): unavailable leaf-2 …`. */
export function describeHealth(h: HealthJson): string {
  const pruned: string[] = [];
  if (h.prunedByRange) pruned.push(`${h.prunedByRange} pruned by range`);
  if (h.prunedByHint) pruned.push(`${h.prunedByHint} pruned by hint`);
  if (h.prunedByTime) pruned.push(`${h.prunedByTime} pruned by time`);
  const kids = `${h.completedChildren}/${h.expectedChildren} children`;
  const head = h.partial ? `PARTIAL ${kids} (${(h.completeness * 100).toFixed(0)}%)` : `complete (${[kids, ...pruned].join(', ')})`;
  const issues = h.issues.map((i) => `\n  ${i.kind}${i.leafId ? ` leaf=${i.leafId}` : ''}${i.rangeId ? ` range=${i.rangeId}` : ''}: ${i.message}`);
  return head + issues.join('');
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A readable rendering of a query response (without --json). */
export function formatQueryText(res: QueryResponse): string {
  const out: string[] = [];
  switch (res.resultType) {
    case 'vector':
      if (res.vector.length === 0) out.push('(empty vector)');
      else out.push(table(['SERIES', 'VALUE', 'TIME'], res.vector.map((s) => [formatLabels(s.labels as Labels), formatPromValue(s.value), isoTime(s.timestampMs)])));
      break;
    case 'matrix':
      if (res.matrix.length === 0) out.push('(empty matrix)');
      for (const s of res.matrix) {
        out.push(`${formatLabels(s.labels as Labels)}  (${s.timestampsMs.length} samples)`);
        for (let i = 0; i < s.timestampsMs.length; i++) out.push(`  ${isoTime(s.timestampsMs[i]!)}  ${formatPromValue(s.values[i]!)}`);
      }
      break;
    case 'scalar':
      out.push(`scalar ${formatPromValue(res.scalarValue)} @ ${isoTime(res.scalarTimestampMs)}`);
      break;
    case 'string':
      out.push(`string ${JSON.stringify(res.stringValue)} @ ${isoTime(res.scalarTimestampMs)}`);
      break;
    default:
      out.push(`(result type ${res.resultType})`);
  }
  const n = res.resultType === 'vector' ? res.vector.length : res.resultType === 'matrix' ? res.matrix.length : 1;
  out.push('');
  out.push(`${n} series · health: ${describeHealth(healthJson(res.health))}`);
  return out.join('\n');
}
