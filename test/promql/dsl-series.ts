/**
 * Series lines (FORMAT.md §4): `name{a="b", c='d'} 1+2x3 _ stale {{count:1}}`. Used both by
 * `load` blocks and by expected result rows.
 *
 * Values are kept columnar: `kinds[i]` says what position i is (omitted / float / histogram),
 * `v[i]` holds the float (the stale marker is the STALE_NAN bit pattern), `hist` the histogram
 * literals by position (sparse, only when histograms occur).
 */
import { STALE_NAN, type Label, type Labels } from '../../src/model/index.js';
import { DslError, NUM_BODY_SRC, parseSeriesNumber, readQuoted, SERIES_NUMBER_SRC } from './dsl-lexical.js';
import { parseHistogramLiteral, type HistogramLiteral } from './histogram-literal.js';

export const OMITTED = 0;
export const FLOAT = 1;
export const HISTOGRAM = 2;

export interface SeriesValues {
  readonly kinds: Uint8Array;
  readonly v: Float64Array;
  /** Histogram literal per position (undefined elsewhere); null when the line has none. */
  readonly hist: (HistogramLiteral | undefined)[] | null;
}

export interface SeriesLine {
  labels: Labels;
  values: SeriesValues;
}

const IDENT_START = /[a-zA-Z_:]/;
const METRIC_CHAR = /[a-zA-Z0-9_:]/;
const LABEL_RE = /[a-zA-Z_][a-zA-Z0-9_]*/y;

/** Parses a label set at the start of `s`; returns the labels (sorted, empty values kept) and the end index. */
export function parseLabelSet(s: string): { labels: Labels; end: number } {
  const byName = new Map<string, string>();
  let i = 0;
  if (IDENT_START.test(s[0] ?? '')) {
    let j = 1;
    while (j < s.length && METRIC_CHAR.test(s[j]!)) j++;
    byName.set('__name__', s.slice(0, j));
    i = j;
  }
  if (s[i] === '{') {
    i++;
    const skipWs = (): void => {
      while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
    };
    for (;;) {
      skipWs();
      if (i >= s.length) throw new DslError('unterminated label set');
      if (s[i] === '}') {
        i++;
        break;
      }
      let name: string;
      let quotedName = false;
      if (s[i] === '"' || s[i] === "'" || s[i] === '`') {
        const q = readQuoted(s, i);
        name = q.value;
        i = q.end;
        quotedName = true;
      } else {
        LABEL_RE.lastIndex = i;
        const m = LABEL_RE.exec(s);
        if (!m) throw new DslError(`unexpected character in label set: "${s.slice(i, i + 10)}"`);
        name = m[0];
        i = LABEL_RE.lastIndex;
      }
      skipWs();
      if (s[i] === '=') {
        i++;
        skipWs();
        const q = readQuoted(s, i);
        i = q.end;
        byName.set(name, q.value);
      } else if (quotedName) {
        byName.set('__name__', name);
      } else {
        throw new DslError(`expected "=" after label name "${name}"`);
      }
      skipWs();
      if (s[i] === ',') i++;
      else if (s[i] !== '}') throw new DslError(`expected "," or "}" in label set at "${s.slice(i, i + 10)}"`);
    }
  } else if (i === 0) {
    throw new DslError(`expected a metric name or "{" at "${s.slice(0, 20)}"`);
  }
  const labels: Label[] = [...byName].map(([name, value]) => ({ name, value }));
  labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels, end: i };
}

/** Splits the value part into items, keeping `{{ … }}` (which may contain spaces) whole. */
export function splitValueItems(s: string): string[] {
  const items: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '{' && s[i + 1] === '{') {
      depth++;
      cur += '{{';
      i++;
    } else if (c === '}' && s[i + 1] === '}' && depth > 0) {
      depth--;
      cur += '}}';
      i++;
    } else if ((c === ' ' || c === '\t') && depth === 0) {
      if (cur !== '') items.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) throw new DslError('unterminated histogram literal "{{"');
  if (cur !== '') items.push(cur);
  return items;
}

const NUM_ITEM = new RegExp(`^(${SERIES_NUMBER_SRC})(?:([+-])((?:${NUM_BODY_SRC})))?(?:x(\\d+))?$`);
const HIST_ITEM = /^\{\{(.*?)\}\}(?:x(\d+))?$/s;
const HIST_SEQ = /^\{\{(.*?)\}\}([+-])\{\{(.*?)\}\}x(\d+)$/s;

class ValuesBuilder {
  kinds: number[] = [];
  v: number[] = [];
  hist: (HistogramLiteral | undefined)[] | null = null;
  readonly stale = new Set<number>();
  push(kind: number, v: number, h?: HistogramLiteral): void {
    if (kind === HISTOGRAM) {
      if (!this.hist) this.hist = new Array(this.kinds.length).fill(undefined);
    }
    if (this.hist) this.hist.push(h);
    this.kinds.push(kind);
    this.v.push(v);
  }
  build(): SeriesValues {
    const v = new Float64Array(this.v.length);
    // A number[] may canonicalise NaN payloads: write stale markers bit-exactly here.
    for (let i = 0; i < v.length; i++) v[i] = this.stale.has(i) ? STALE_NAN : this.v[i]!;
    return { kinds: Uint8Array.from(this.kinds), v, hist: this.hist };
  }
  markStale(): void {
    this.stale.add(this.kinds.length);
    this.push(FLOAT, NaN);
  }
}

function count(n: string): number {
  const x = Number(n);
  if (!Number.isSafeInteger(x) || x > 10_000_000) throw new DslError(`repetition count too large: ${n}`);
  return x;
}

/** Expands the value items of a series line (FORMAT.md §4.2), by repeated addition. */
export function expandValues(items: readonly string[]): SeriesValues {
  const b = new ValuesBuilder();
  for (const it of items) {
    if (it === '_') {
      b.push(OMITTED, 0);
      continue;
    }
    let m = /^_x(\d+)$/.exec(it);
    if (m) {
      const n = count(m[1]!);
      for (let k = 0; k < n; k++) b.push(OMITTED, 0);
      continue;
    }
    if (it === 'stale') {
      b.markStale();
      continue;
    }
    if ((m = HIST_SEQ.exec(it))) {
      const a = parseHistogramLiteral(m[1]!);
      parseHistogramLiteral(m[3]!);
      const n = count(m[4]!);
      for (let k = 0; k <= n; k++) b.push(HISTOGRAM, 0, a);
      continue;
    }
    if ((m = HIST_ITEM.exec(it))) {
      const h = parseHistogramLiteral(m[1]!);
      const n = m[2] === undefined ? 0 : count(m[2]);
      for (let k = 0; k <= n; k++) b.push(HISTOGRAM, 0, h);
      continue;
    }
    if ((m = NUM_ITEM.exec(it))) {
      let acc = parseSeriesNumber(m[1]!);
      if (m[2] !== undefined && m[4] === undefined) throw new DslError(`invalid value "${it}": missing xN`);
      const n = m[4] === undefined ? 0 : count(m[4]);
      const d = m[2] === undefined ? 0 : parseSeriesNumber(m[2] + m[3]!);
      b.push(FLOAT, acc);
      for (let k = 1; k <= n; k++) {
        if (m[2] !== undefined) acc += d;
        b.push(FLOAT, acc);
      }
      continue;
    }
    throw new DslError(`invalid value "${it}"`);
  }
  return b.build();
}

/** Parses a whole series line: label set, whitespace, value items. */
export function parseSeriesLine(line: string): SeriesLine {
  const { labels, end } = parseLabelSet(line);
  const rest = line.slice(end);
  if (rest !== '' && !/^[ \t]/.test(rest)) throw new DslError(`unexpected "${rest.slice(0, 10)}" after label set`);
  return { labels, values: expandValues(splitValueItems(rest.trim())) };
}

export function valuesHaveHistogram(v: SeriesValues): boolean {
  return v.hist !== null;
}
