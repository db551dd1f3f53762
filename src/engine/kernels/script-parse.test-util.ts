/**
 * Test-only parser of the upstream promqltest scripts (`load`, `clear`, `eval` blocks; see
 * /work/shared/promql-testdata/FORMAT.md), float samples only. Native-histogram series
 * (including those synthesised by `load_with_nhcb`) are recorded only as "has histogram"
 * so evals on them can be skipped. Used by script-harness.test-util.ts.
 */
import { readFileSync } from 'node:fs';

export interface LoadedSeries {
  labels: Map<string, string>;
  t: number[];
  v: number[];
  stale: boolean[];
  hasHistogram: boolean;
}

export interface EvalCase {
  line: number;
  text: string;
  /** Evaluation timestamps (ms). */
  steps: number[];
  expr: string;
  expectFail: boolean;
  expectWarn: boolean;
  expectNoWarn: boolean;
  /** label key → expected values per step (undefined = no point). */
  rows: Map<string, (number | undefined)[]>;
  /** Snapshot of the storage at the time of the eval. */
  storage: LoadedSeries[];
}

export function parseDuration(s: string): number {
  if (s === '0') return 0;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(s);
  if (!m || s === '') throw new Error(`bad duration ${s}`);
  const f = [365 * 86400e3, 7 * 86400e3, 86400e3, 3600e3, 60e3, 1e3, 1];
  let ms = 0;
  for (let i = 0; i < 7; i++) if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * f[i]!;
  return ms;
}

export function parseNumber(s: string): number {
  const l = s.toLowerCase();
  if (/^[+-]?inf$/.test(l)) return l.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(l)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) throw new Error(`bad number ${s}`);
  return Number(s);
}

const UNUM = String.raw`(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF]|[nN][aA][nN])`;
const ITEM = new RegExp(`^([+-]?${UNUM})(?:([+-])(${UNUM})x(\\d+)|x(\\d+))?$`);

/**
 * Marker for a stale sample. (A stale-NaN payload does not survive a plain JS array —
 * V8 may canonicalise NaNs there — so the harness keeps staleness out of band.)
 */
const STALE = Symbol('stale');
type Item = number | null | typeof STALE;

/** Expands the value items of a series line. `null` = omitted position. */
function expandValues(items: string[]): { values: Item[]; histogram: boolean } {
  const values: Item[] = [];
  const histogram = false;
  if (items.some((it) => it.includes('{') || it.includes('}'))) return { values: [], histogram: true };
  for (const it of items) {
    if (it === '_') { values.push(null); continue; }
    const om = /^_x(\d+)$/.exec(it);
    if (om) { for (let i = 0; i < Number(om[1]); i++) values.push(null); continue; }
    if (it === 'stale') { values.push(STALE); continue; }
    const m = ITEM.exec(it);
    if (!m) throw new Error(`bad item ${it}`);
    const v = parseNumber(m[1]!);
    if (m[4] !== undefined) {
      const d = parseNumber(m[3]!) * (m[2] === '-' ? -1 : 1);
      let acc = v;
      for (let i = 0; i <= Number(m[4]); i++) { values.push(acc); acc += d; }
    } else if (m[5] !== undefined) {
      for (let i = 0; i <= Number(m[5]); i++) values.push(v);
    } else {
      values.push(v);
    }
  }
  return { values, histogram };
}

export function parseLabels(s: string): Map<string, string> {
  const labels = new Map<string, string>();
  const brace = s.indexOf('{');
  const name = brace < 0 ? s : s.slice(0, brace);
  if (name !== '') labels.set('__name__', name);
  if (brace >= 0) {
    const body = s.slice(brace + 1, s.lastIndexOf('}'));
    const re = /([a-zA-Z_][\w]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
    for (let m = re.exec(body); m; m = re.exec(body)) labels.set(m[1]!, JSON.parse(`"${m[2]}"`) as string);
  }
  return labels;
}

/** Splits a series line into label-set text and value items. */
export function splitSeriesLine(line: string): { labels: string; items: string[] } {
  let end: number;
  const brace = line.indexOf('{');
  const space = line.search(/\s/);
  if (brace >= 0 && (space < 0 || brace < space)) end = line.indexOf('}', brace) + 1;
  else end = space < 0 ? line.length : space;
  const rest = line.slice(end).trim();
  // Histogram literals contain spaces: keep {{…}} together.
  const items = rest === '' ? [] : rest.match(/\{\{.*?\}\}(?:\S*)|\S+/g) ?? [];
  return { labels: line.slice(0, end), items };
}

export function labelKey(labels: Map<string, string>, dropName: boolean): string {
  return [...labels.entries()]
    .filter(([k]) => !(dropName && k === '__name__'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
}

export function parseScript(path: string): EvalCase[] {
  const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim());
  const storage = new Map<string, LoadedSeries>();
  const cases: EvalCase[] = [];
  let i = 0;
  const blockEnd = (from: number): number => {
    let j = from;
    while (j < lines.length && lines[j] !== '' && !lines[j]!.startsWith('#')) j++;
    return j;
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === '' || line.startsWith('#')) { i++; continue; }
    if (line === 'clear') { storage.clear(); i++; continue; }
    const end = blockEnd(i + 1);
    const body = lines.slice(i + 1, end);
    const lm = /^load(?:_with_nhcb)?\s+(\S+)$/.exec(line);
    if (lm) {
      const step = parseDuration(lm[1]!);
      const block = new Map<string, { labels: Map<string, string>; values: Item[]; histogram: boolean }>();
      for (const b of body) {
        if (/^\S+@st\s/.test(b)) continue;
        const { labels, items } = splitSeriesLine(b);
        const l = parseLabels(labels);
        const { values, histogram } = expandValues(items);
        block.set(labelKey(l, false), { labels: l, values, histogram });
      }
      if (line.startsWith('load_with_nhcb')) {
        // Stand-ins for the synthesised native histograms (so evals on them are skipped).
        for (const s of [...block.values()]) {
          const name = s.labels.get('__name__') ?? '';
          const m2 = /^(.*)_(bucket|sum|count)$/.exec(name);
          if (!m2) continue;
          const l = new Map([...s.labels].filter(([n]) => n !== 'le'));
          l.set('__name__', m2[1]!);
          block.set(labelKey(l, false), { labels: l, values: [], histogram: true });
        }
      }
      for (const [k, s] of block) {
        let dst = storage.get(k);
        if (!dst) { dst = { labels: s.labels, t: [], v: [], stale: [], hasHistogram: false }; storage.set(k, dst); }
        dst.hasHistogram ||= s.histogram;
        s.values.forEach((v, idx) => {
          if (v === null) return;
          dst.t.push(idx * step);
          dst.v.push(v === STALE ? NaN : v);
          dst.stale.push(v === STALE);
        });
      }
      i = end;
      continue;
    }
    const im = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+at\s+(\S+)\s+(.+)$/.exec(line);
    const rm = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/.exec(line);
    if (im || rm) {
      let steps: number[];
      let expr: string;
      if (im) { steps = [parseDuration(im[2]!)]; expr = im[3]!; } else {
        const a = parseDuration(rm![2]!), b = parseDuration(rm![3]!), s = parseDuration(rm![4]!);
        steps = [];
        for (let x = a; x <= b; x += s) steps.push(x);
        expr = rm![5]!;
      }
      const c: EvalCase = {
        line: i + 1, text: line, steps, expr, expectFail: (im ?? rm)![1] === 'fail',
        expectWarn: false, expectNoWarn: false, rows: new Map(),
        storage: [...storage.values()].map((s) => ({ ...s, t: [...s.t], v: [...s.v], stale: [...s.stale] })),
      };
      let skip = false;
      for (const b of body) {
        const em = /^expect\s+(\w+)/.exec(b);
        if (em) {
          if (em[1] === 'fail') c.expectFail = true;
          else if (em[1] === 'warn') c.expectWarn = true;
          else if (em[1] === 'no_warn') c.expectNoWarn = true;
          else if (em[1] === 'range' || em[1] === 'string') skip = true;
          continue;
        }
        const { labels, items } = splitSeriesLine(b);
        if (items.length === 0) { skip = true; continue; } // scalar expectation: not ours
        const { values, histogram } = expandValues(items);
        if (histogram) skip = true;
        c.rows.set(labelKey(parseLabels(labels), false), values.map((v) => (v === null || v === STALE ? undefined : v)));
      }
      if (!skip) cases.push(c);
      i = end;
      continue;
    }
    i = end;
  }
  return cases;
}

