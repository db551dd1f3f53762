/**
 * Explain output of a fan-out plan, as text for humans and as a JSON-able object for tools.
 * The words are stable (golden tests and logs depend on them): `Fanout: targeted|scatter|none`,
 * `Why:`, `Ranges:`, `Leaves:`.
 */
import { formatKey } from '../model/index.js';
import { formatRange, type SelectorFanout } from './fanout.js';
import type { QueryPlan } from './query-plan.js';

export function describeSelector(f: SelectorFanout, indent = ''): string[] {
  const lines = [`${indent}Selector ${f.selector}`, `${indent}  Fanout: ${f.kind}`];
  for (const w of f.why) lines.push(`${indent}  Why: ${w}`);
  lines.push(`${indent}  Ranges: ${f.ranges.length} read, ${f.prunedByRange} pruned by range`);
  for (const r of f.ranges) {
    const [primary, ...fallbacks] = r.replicas;
    const to = primary === undefined ? 'unavailable (no readable replica)' : primary + (fallbacks.length ? ` (fallbacks ${fallbacks.join(', ')})` : '');
    lines.push(`${indent}    ${formatRange(r)} → ${to}`);
  }
  if (f.groups.length > 0) lines.push(`${indent}  Leaves: ${f.groups.map((g) => `${g.leafId} [${g.rangeIds.join(', ')}]`).join('; ')}`);
  return lines;
}

export function describePlan(p: QueryPlan): string {
  const lines = [
    `Query: ${p.query}`,
    `Tenant: ${p.tenant}`,
    `Fanout: ${p.kind} (${p.selectors.length} selector${p.selectors.length === 1 ? '' : 's'}, ${p.rangeIds.length} of ${p.tenantRanges} ranges, ${p.leafIds.length} ${p.leafIds.length === 1 ? 'leaf' : 'leaves'})`,
  ];
  for (const s of p.selectors) lines.push(...describeSelector(s));
  return lines.join('\n');
}

export interface PlanJson {
  query: string;
  tenant: string;
  fanout: string;
  expectedChildren: number;
  leaves: string[];
  selectors: {
    selector: string;
    fanout: string;
    why: string[];
    prunedByRange: number;
    ranges: { id: string; start: string; end: string; replicas: string[] }[];
    leaves: { leaf: string; ranges: string[] }[];
  }[];
}

export function planToJson(p: QueryPlan): PlanJson {
  return {
    query: p.query,
    tenant: p.tenant,
    fanout: p.kind,
    expectedChildren: p.rangeIds.length,
    leaves: [...p.leafIds],
    selectors: p.selectors.map((s) => ({
      selector: s.selector,
      fanout: s.kind,
      why: [...s.why],
      prunedByRange: s.prunedByRange,
      ranges: s.ranges.map((r) => ({ id: r.rangeId, start: r.start.length === 0 ? '-∞' : formatKey(r.start), end: formatKey(r.end), replicas: [...r.replicas] })),
      leaves: s.groups.map((g) => ({ leaf: g.leafId, ranges: [...g.rangeIds] })),
    })),
  };
}
