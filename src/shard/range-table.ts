/**
 * An immutable, sorted view of a range assignment for routing: the range of a key and the ranges
 * overlapping a key span, by binary search over the sorted range starts. Rebuilt (cheaply) each
 * time the assignment store changes; a query or write uses one table from start to end.
 */
import { compareKeys, spanContains, type Key, type KeySpan } from '../model/index.js';
import type { LeafRecord, RangeAssignment } from './assignment-store.js';
import { readReplicas, writeReplicas } from './replicas.js';

export class RangeTable {
  /** Ranges sorted by start. */
  readonly ranges: readonly RangeAssignment[];
  private readonly byId: ReadonlyMap<string, RangeAssignment>;
  private readonly leafById: ReadonlyMap<string, LeafRecord>;

  constructor(ranges: readonly RangeAssignment[], leaves: readonly LeafRecord[] = []) {
    this.ranges = [...ranges].sort((a, b) => compareKeys(a.start, b.start));
    this.byId = new Map(this.ranges.map((r) => [r.id, r]));
    this.leafById = new Map(leaves.map((l) => [l.id, l]));
  }

  get size(): number {
    return this.ranges.length;
  }

  range(id: string): RangeAssignment | undefined {
    return this.byId.get(id);
  }

  leaf(id: string): LeafRecord | undefined {
    return this.leafById.get(id);
  }

  leaves(): LeafRecord[] {
    return [...this.leafById.values()];
  }

  /** Index of the last range whose start is <= key, or -1. */
  private floorIndex(key: Key): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.ranges[mid]!.start, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The range holding `key`, or undefined when the assignment has a gap there. */
  rangeOf(key: Key): RangeAssignment | undefined {
    const i = this.floorIndex(key);
    if (i < 0) return undefined;
    const r = this.ranges[i]!;
    return spanContains(r, key) ? r : undefined;
  }

  /** The ranges overlapping the half-open span [start, end) (empty end = +∞), in key order. */
  overlapping(span: KeySpan): RangeAssignment[] {
    const out: RangeAssignment[] = [];
    let i = Math.max(0, this.floorIndex(span.start));
    for (; i < this.ranges.length; i++) {
      const r = this.ranges[i]!;
      if (span.end.length > 0 && compareKeys(r.start, span.end) >= 0) break;
      // Skip a floor range that ends at or before the span start (possible only with gaps).
      if (r.end.length > 0 && compareKeys(r.end, span.start) <= 0) continue;
      out.push(r);
    }
    return out;
  }

  /** Leaf ids to read the range from, best first (available, then leaving; never initializing). */
  readReplicas(r: RangeAssignment): string[] {
    return readReplicas(r);
  }

  /** Leaf ids every write to the range goes to (initializing included). */
  writeReplicas(r: RangeAssignment): string[] {
    return writeReplicas(r);
  }

  /**
   * Problems with the tiling invariant (see assignment-store.ts): gaps, overlaps, open ends,
   * ranges without replicas. Empty when the table is sound.
   */
  validate(): string[] {
    const problems: string[] = [];
    if (this.ranges.length === 0) return ['no ranges'];
    if (this.ranges[0]!.start.length !== 0) problems.push(`first range ${this.ranges[0]!.id} does not start at the empty key`);
    for (let i = 0; i < this.ranges.length; i++) {
      const r = this.ranges[i]!;
      if (r.replicas.length === 0) problems.push(`range ${r.id} has no replicas`);
      if (r.end.length > 0 && compareKeys(r.start, r.end) >= 0) problems.push(`range ${r.id} is empty or inverted`);
      const next = this.ranges[i + 1];
      if (next) {
        if (r.end.length === 0) problems.push(`range ${r.id} is unbounded but followed by ${next.id}`);
        else {
          const c = compareKeys(r.end, next.start);
          if (c < 0) problems.push(`gap between ${r.id} and ${next.id}`);
          if (c > 0) problems.push(`ranges ${r.id} and ${next.id} overlap`);
        }
      } else if (r.end.length !== 0) problems.push(`last range ${r.id} does not end at +∞`);
    }
    return problems;
  }
}
