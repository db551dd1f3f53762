/**
 * Result comparison (FORMAT.md §7): float almost-equality as upstream's `almost.Equal`, label-set
 * matching, ordered vs unordered instant vectors, matrices point by point. Each check returns an
 * error text (upstream-like wording) or null.
 */
import { compareLabels, formatLabels, isStaleNaN, labelsKey, type Labels, type Series } from '../../src/model/index.js';
import { FLOAT, HISTOGRAM, OMITTED } from './dsl-series.js';
import type { EvalCmd, ExpectedRow } from './script-types.js';
import type { TargetSample, TargetValue } from './target.js';

export const DEFAULT_EPSILON = 1e-6;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus util/almost.Equal. */
export function almostEqual(a: number, b: number, epsilon = DEFAULT_EPSILON): boolean {
  const sa = isStaleNaN(a);
  const sb = isStaleNaN(b);
  if (sa || sb) return sa && sb;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}

/** Go-like float text for reports (`+Inf`, `NaN`, `stale`). */
export function fmtFloat(v: number): string {
  if (isStaleNaN(v)) return 'stale';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function fmtLabels(l: Labels): string {
  const s = formatLabels(l);
  return s.startsWith('{') ? s : s.endsWith('{}') ? s.slice(0, -2) : s;
}

/** Matrix results must be sorted by label set (FORMAT.md §7.4). */
export function checkMatrixSorted(series: readonly Series[]): string | null {
  for (let i = 1; i < series.length; i++) {
    if (compareLabels(series[i - 1]!.labels, series[i]!.labels) >= 0)
      return `matrix results should always be sorted by labels, but matrix is not sorted: series at index ${i - 1} with labels ${fmtLabels(series[i - 1]!.labels)} sorts before series at index ${i} with labels ${fmtLabels(series[i]!.labels)}`;
  }
  return null;
}

/** The expected first value of an instant row: `_` compares as float 0. */
function firstExpected(row: ExpectedRow): { kind: number; v: number } {
  const k = row.values.kinds.length > 0 ? row.values.kinds[0]! : OMITTED;
  return { kind: k, v: k === FLOAT ? row.values.v[0]! : 0 };
}

export function compareResult(cmd: EvalCmd, value: TargetValue, ordered: boolean): string | null {
  switch (value.resultType) {
    case 'vector':
      return compareVector(cmd, value.samples, ordered);
    case 'matrix':
      return compareMatrix(cmd, value.series, ordered);
    case 'scalar':
      if (cmd.scalar === undefined) return `expected vector or matrix result, but got scalar ${fmtFloat(value.v)}`;
      if (!almostEqual(cmd.scalar, value.v)) return `expected scalar ${fmtFloat(cmd.scalar)} but got ${fmtFloat(value.v)}`;
      return null;
    case 'string': {
      const want = cmd.expectedString ?? '';
      if (want !== value.v) return `expected string ${JSON.stringify(want)} but got ${JSON.stringify(value.v)}`;
      return null;
    }
  }
}

export function compareVector(cmd: EvalCmd, samples: readonly TargetSample[], ordered: boolean): string | null {
  if (cmd.scalar !== undefined) return `expected scalar result, but got vector ${fmtVector(samples)}`;
  const seen = new Set<string>();
  for (let p = 0; p < samples.length; p++) {
    const s = samples[p]!;
    const key = labelsKey(s.labels);
    const row = cmd.rows.get(key);
    if (!row) return `unexpected metric ${fmtLabels(s.labels)} in result, has value ${fmtFloat(s.v)}`;
    if (ordered && row.pos !== p + 1) return `expected metric ${fmtLabels(s.labels)} at position ${row.pos} but was at ${p + 1}`;
    const exp = firstExpected(row);
    if (exp.kind === HISTOGRAM) return `expected histogram value for metric ${fmtLabels(s.labels)} but got float value ${fmtFloat(s.v)}`;
    if (!almostEqual(exp.v, s.v)) return `expected ${fmtFloat(exp.v)} for ${fmtLabels(s.labels)} but got ${fmtFloat(s.v)}`;
    seen.add(key);
  }
  for (const [key, row] of cmd.rows) {
    if (!seen.has(key)) return `expected metric ${fmtLabels(row.labels)} with ${fmtRowValues(row)} not found`;
  }
  return null;
}

/** Timestamps the expected row values belong to (range eval or `expect range vector`). */
function expectedGrid(cmd: EvalCmd): { start: number; end: number; step: number } {
  if (cmd.rangeVector) return { start: cmd.rangeVector.startMs, end: cmd.rangeVector.endMs, step: cmd.rangeVector.stepMs };
  if (cmd.mode === 'range') return { start: cmd.startMs, end: cmd.endMs, step: cmd.stepMs };
  return { start: cmd.atMs, end: cmd.atMs, step: 0 };
}

export function compareMatrix(cmd: EvalCmd, series: readonly Series[], ordered: boolean): string | null {
  if (ordered) return 'expected ordered result, but query returned a matrix';
  if (cmd.scalar !== undefined) return `expected scalar result, but got matrix`;
  const unsorted = checkMatrixSorted(series);
  if (unsorted) return unsorted;
  const { start, end, step } = expectedGrid(cmd);
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelsKey(s.labels);
    const row = cmd.rows.get(key);
    if (!row) return `unexpected metric ${fmtLabels(s.labels)} in result, has ${fmtPoints(s)}`;
    seen.add(key);
    const expT: number[] = [];
    const expV: number[] = [];
    let expHist = 0;
    const { kinds, v } = row.values;
    for (let i = 0; i < kinds.length; i++) {
      const ts = start + i * step;
      if (ts > end || (step === 0 && i > 0))
        return `expected ${kinds.length} points for ${fmtLabels(row.labels)}, but query time range cannot return this many points`;
      if (kinds[i] === HISTOGRAM) expHist++;
      else if (kinds[i] === FLOAT) expT.push(ts), expV.push(v[i]!);
    }
    if (expT.length !== s.t.length || expHist !== 0)
      return `expected ${expT.length} float points and ${expHist} histogram points for ${fmtLabels(row.labels)}, but got ${fmtPoints(s)}`;
    for (let i = 0; i < expT.length; i++) {
      if (expT[i] !== s.t[i]) return `expected timestamp ${expT[i]} for ${i + 1}th float value for ${fmtLabels(row.labels)}, but got ${s.t[i]}`;
      if (!almostEqual(expV[i]!, s.v[i]!))
        return `expected float value at index ${i} (t=${expT[i]}) for ${fmtLabels(row.labels)} to have value ${fmtFloat(expV[i]!)}, but it had ${fmtFloat(s.v[i]!)}`;
    }
  }
  for (const [key, row] of cmd.rows) if (!seen.has(key)) return `expected metric ${fmtLabels(row.labels)} not found`;
  return null;
}

export function fmtRowValues(row: ExpectedRow): string {
  const out: string[] = [];
  const { kinds, v, hist } = row.values;
  for (let i = 0; i < kinds.length && i < 40; i++)
    out.push(kinds[i] === OMITTED ? '_' : kinds[i] === HISTOGRAM ? (hist?.[i]?.text ?? '{{…}}') : fmtFloat(v[i]!));
  if (kinds.length > 40) out.push(`… (${kinds.length} values)`);
  return out.join(' ');
}

export function fmtPoints(s: Series, max = 40): string {
  const out: string[] = [];
  for (let i = 0; i < s.t.length && i < max; i++) out.push(`${fmtFloat(s.v[i]!)}@${s.t[i]}`);
  if (s.t.length > max) out.push(`… (${s.t.length} points)`);
  return `[${out.join(' ')}]`;
}

export function fmtVector(samples: readonly TargetSample[], max = 20): string {
  const out = samples.slice(0, max).map((s) => `${fmtLabels(s.labels)} => ${fmtFloat(s.v)}`);
  if (samples.length > max) out.push(`… (${samples.length} samples)`);
  return out.length ? out.join('\n') : '(empty vector)';
}

/** The block's expectation, for reports. */
export function fmtExpected(cmd: EvalCmd, max = 20): string {
  if (cmd.expectedString !== undefined) return `string ${JSON.stringify(cmd.expectedString)}`;
  if (cmd.scalar !== undefined) return `scalar ${fmtFloat(cmd.scalar)}`;
  if (cmd.rows.size === 0) return '(empty result)';
  const rows = [...cmd.rows.values()].sort((a, b) => a.pos - b.pos);
  const out = rows.slice(0, max).map((r) => `${fmtLabels(r.labels)} ${fmtRowValues(r)}`);
  if (rows.length > max) out.push(`… (${rows.length} rows)`);
  return out.join('\n');
}

export function fmtValue(v: TargetValue, max = 20): string {
  switch (v.resultType) {
    case 'scalar':
      return `scalar ${fmtFloat(v.v)}`;
    case 'string':
      return `string ${JSON.stringify(v.v)}`;
    case 'vector':
      return fmtVector(v.samples, max);
    case 'matrix': {
      const out = v.series.slice(0, max).map((s) => `${fmtLabels(s.labels)} ${fmtPoints(s)}`);
      if (v.series.length > max) out.push(`… (${v.series.length} series)`);
      return out.length ? out.join('\n') : '(empty matrix)';
    }
  }
}
