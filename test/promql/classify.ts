/**
 * Which evals may be skipped: only those needing native histograms (the brief's rule). The
 * primary source is `eval-index.tsv` (`needs` column); evals it does not list are classified at
 * run time: an expected `{{…}}` value, or a selector matching a series that holds histogram
 * samples (or an NHCB series `load_with_nhcb` would synthesise).
 */
import { compileMatcher, matchesLabels, type Labels } from '../../src/model/index.js';
import { walk, type Expr } from '../../src/promql/ast.js';
import { HISTOGRAM } from './dsl-series.js';
import type { EvalCmd } from './script-types.js';

export interface IndexEntry {
  kind: string;
  needs: string;
  features: string[];
}

/** `file:line` → entry. */
export type EvalIndex = Map<string, IndexEntry>;

export function parseEvalIndex(tsv: string): EvalIndex {
  const out: EvalIndex = new Map();
  const lines = tsv.split('\n');
  for (const l of lines.slice(1)) {
    if (l.trim() === '') continue;
    const [file, line, kind, needs, features] = l.split('\t');
    out.set(`${file}:${line}`, { kind: kind!, needs: needs!, features: features ? features.split(',').filter(Boolean) : [] });
  }
  return out;
}

export type SkipReason = 'native_histogram' | 'nhcb' | 'native_histogram_runtime';

/** The reason to skip an eval, or null to run it. `expr` is the parsed query when available. */
export function skipReason(cmd: EvalCmd, entry: IndexEntry | undefined, expr: Expr | undefined, histogramSeries: readonly Labels[]): SkipReason | null {
  if (entry) {
    if (entry.needs !== 'native_histogram') return null;
    return entry.features.includes('nhcb') ? 'nhcb' : 'native_histogram';
  }
  for (const row of cmd.rows.values()) if (row.values.kinds.includes(HISTOGRAM)) return 'native_histogram_runtime';
  if (expr && histogramSeries.length > 0 && selectsHistograms(expr, histogramSeries)) return 'native_histogram_runtime';
  return null;
}

export function selectsHistograms(expr: Expr, histogramSeries: readonly Labels[]): boolean {
  let hit = false;
  walk(expr, (n) => {
    if (hit) return false;
    if (n.kind === 'VectorSelector') {
      const ms = n.matchers.map(compileMatcher);
      if (histogramSeries.some((l) => matchesLabels(ms, l))) hit = true;
    }
    return undefined;
  });
  return hit;
}
