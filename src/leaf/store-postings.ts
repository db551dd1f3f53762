/**
 * The inverted index of one tenant's series: label name → value → postings (series ids).
 *
 * Series ids are assigned densely in creation order and never reused, so every postings list is
 * built already sorted by appending. Matchers are evaluated as Prometheus's
 * `PostingsForMatchers` does:
 *  - a matcher that does not match the empty string selects the union of the postings of the
 *    values it matches (one lookup for `=`, a scan of the value list for the others), and those
 *    sets are intersected;
 *  - a matcher that matches the empty string (`l=""`, `l!="x"`, `l=~".*"`, `l!~"x"`) also matches
 *    series without the label, so it is applied by subtracting the union of the postings of the
 *    values it does NOT match;
 *  - when every matcher matches the empty string, the start set is all series.
 */
import { compileMatcher, type CompiledMatcher, type Labels, type Matcher } from '../model/index.js';

export type Postings = readonly number[];

export class PostingsIndex {
  private readonly byName = new Map<string, Map<string, number[]>>();
  private count = 0;

  /** Number of series indexed (ids are 0 … size-1). */
  get size(): number {
    return this.count;
  }

  /** Indexes a new series; `id` must be the next id (size before the call). */
  add(id: number, labels: Labels): void {
    if (id !== this.count) throw new Error(`postings: expected series id ${this.count}, got ${id}`);
    this.count++;
    for (const l of labels) {
      let values = this.byName.get(l.name);
      if (!values) this.byName.set(l.name, (values = new Map()));
      let list = values.get(l.value);
      if (!list) values.set(l.value, (list = []));
      list.push(id);
    }
  }

  labelNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  labelValues(name: string): string[] {
    const values = this.byName.get(name);
    return values ? [...values.keys()].sort() : [];
  }

  /** Sorted ids of the series matching every matcher. Throws InvalidArgumentError on a bad regex. */
  select(matchers: readonly Matcher[]): number[] {
    const compiled = matchers.map(compileMatcher);
    const positive: CompiledMatcher[] = [];
    const negative: CompiledMatcher[] = [];
    for (const m of compiled) (m.matches('') ? negative : positive).push(m);

    let result: number[] | undefined;
    // Cheapest first: equality lookups narrow the set before regex scans.
    positive.sort((a, b) => rank(a) - rank(b));
    for (const m of positive) {
      const p = this.matching(m, true);
      result = result === undefined ? p : intersect(result, p);
      if (result.length === 0) return result;
    }
    if (result === undefined) result = allIds(this.count);
    for (const m of negative) {
      const drop = this.matching(m, false);
      if (drop.length > 0) result = subtract(result, drop);
      if (result.length === 0) return result;
    }
    return result;
  }

  /** Union of the postings of the values of `m.name` for which `m.matches(value) === want`. */
  private matching(m: CompiledMatcher, want: boolean): number[] {
    const values = this.byName.get(m.name);
    if (!values) return [];
    if (m.type === '=' && want) return (values.get(m.value) ?? []).slice();
    if (m.type === '!=' && !want) return (values.get(m.value) ?? []).slice();
    const lists: Postings[] = [];
    for (const [value, list] of values) if (m.matches(value) === want) lists.push(list);
    return union(lists);
  }
}

function rank(m: CompiledMatcher): number {
  return m.type === '=' ? 0 : m.type === '=~' ? 1 : 2;
}

function allIds(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

export function intersect(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

export function subtract(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) continue;
    out.push(x);
  }
  return out;
}

/** Union of sorted lists (each list holds distinct ids; lists of one label name are disjoint). */
export function union(lists: readonly Postings[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0]!.slice();
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) all[k++] = l[i]!;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < total; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]!);
  return out;
}
