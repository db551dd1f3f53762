/**
 * Label sets. A `Labels` value is an array of name/value pairs sorted by name with unique names
 * (the Prometheus invariant). It is immutable by convention: functions here return new arrays.
 * One object per series, never per sample.
 */
export interface Label {
  readonly name: string;
  readonly value: string;
}

export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

/** Builds a sorted label set from a record; empty values are dropped (Prometheus semantics). */
export function labelsFromRecord(rec: Record<string, string>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(rec)) {
    const value = rec[name]!;
    if (value !== '') out.push({ name, value });
  }
  return sortLabels(out);
}

/** Builds a sorted label set from a flat [name, value, name, value, …] array. */
export function labelsFromPairs(pairs: readonly string[]): Labels {
  const out: Label[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    if (pairs[i + 1] !== '') out.push({ name: pairs[i]!, value: pairs[i + 1]! });
  }
  return sortLabels(out);
}

export function labelsToPairs(labels: Labels): string[] {
  const out: string[] = [];
  for (const l of labels) out.push(l.name, l.value);
  return out;
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/**
 * The write path's canonical form: a sorted copy. Empty values are kept as written, as
 * Prometheus's TSDB keeps them (its own test scripts expect `__unit__=""` back); matchers treat
 * them like an absent label anyway.
 */
export function normalizeLabels(labels: readonly Label[]): Label[] {
  return sortLabels(labels.slice());
}

export function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

export function hasLabel(labels: Labels, name: string): boolean {
  for (const l of labels) if (l.name === name) return true;
  return false;
}

/** A copy with `name` set to `value` (removed when value is empty). */
export function withLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (l.name === name) {
      if (value !== '') out.push({ name, value });
      done = true;
    } else out.push(l);
  }
  if (!done && value !== '') {
    out.push({ name, value });
    sortLabels(out);
  }
  return out;
}

export function withoutLabels(labels: Labels, names: Iterable<string>): Labels {
  const drop = new Set(names);
  return labels.filter((l) => !drop.has(l.name));
}

export function onlyLabels(labels: Labels, names: Iterable<string>): Labels {
  const keep = new Set(names);
  return labels.filter((l) => keep.has(l.name));
}

export function dropMetricName(labels: Labels): Labels {
  return labels.length > 0 && labels[0]!.name === METRIC_NAME ? labels.slice(1) : labels.filter((l) => l.name !== METRIC_NAME);
}

/**
 * A string that identifies a label set exactly (for hash maps). Uses separators that cannot
 * collide: 0xFF never appears in valid UTF-8.
 */
export function labelsKey(labels: Labels): string {
  let s = '';
  for (const l of labels) s += l.name + '\xff' + l.value + '\xff';
  return s;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  return true;
}

/** Prometheus's label-set ordering (used for stable output): compares pairwise by name then value. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

/** `{__name__="x", a="b"}` rendered the way Prometheus prints series: `x{a="b"}`. */
export function formatLabels(labels: Labels): string {
  const name = getLabel(labels, METRIC_NAME);
  const rest = labels.filter((l) => l.name !== METRIC_NAME).map((l) => `${formatLabelName(l.name)}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(', ')}}`;
}

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
function formatLabelName(n: string): string {
  return LEGACY_NAME.test(n) ? n : JSON.stringify(n);
}
