/**
 * Differential run of the compliance query list (FORMAT.md §10): every query as a range query on
 * a reference target and a test target holding the same data (here: the engine over memory vs
 * the gateway), compared like the Compliance Tester does — same success/failure, same series,
 * labels and timestamps, values within a relative 1e-5 (NaN equals NaN); warnings ignored.
 */
import { compareLabels, labelsKey, type Series } from '../../src/model/index.js';
import type { ComplianceCase } from './compliance-queries.js';
import { fmtLabels, fmtPoints } from './compare.js';
import type { QueryTarget, TargetOutput } from './target.js';

export interface ComplianceResult {
  query: string;
  status: 'passed' | 'failed';
  message?: string;
}

export interface ComplianceRun {
  cases: readonly ComplianceCase[];
  reference: QueryTarget;
  test: QueryTarget;
  startMs: number;
  endMs: number;
  stepMs: number;
}

/**
 * `should_fail` cases that Prometheus 3 no longer fails: with UTF-8 label names, `~invalid` is a
 * valid name (upstream's own v3 scripts use the invalid UTF-8 "\xff" instead). For these only
 * agreement between reference and test is required.
 */
export const OUTDATED_SHOULD_FAIL = new Set([
  'label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")',
  'label_join(demo_num_cpus, "~invalid", "-", "instance")',
]);

function closeEnough(x: number, y: number): boolean {
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  if (x === y) return true;
  return Math.abs(x - y) <= Math.max(1e-5 * Math.min(Math.abs(x), Math.abs(y)), 0);
}

function asMatrix(out: TargetOutput): readonly Series[] {
  if (out.value.resultType !== 'matrix') throw new Error(`range query returned ${out.value.resultType}`);
  return [...out.value.series].sort((a, b) => compareLabels(a.labels, b.labels));
}

/** Null when equal, else the first difference. */
export function diffMatrices(ref: readonly Series[], got: readonly Series[]): string | null {
  const byKey = new Map(got.map((s) => [labelsKey(s.labels), s]));
  for (const r of ref) {
    const g = byKey.get(labelsKey(r.labels));
    if (!g) return `series ${fmtLabels(r.labels)} missing from the test result`;
    byKey.delete(labelsKey(r.labels));
    if (r.t.length !== g.t.length) return `${fmtLabels(r.labels)}: ${r.t.length} points expected, got ${g.t.length}: ${fmtPoints(r, 6)} vs ${fmtPoints(g, 6)}`;
    for (let i = 0; i < r.t.length; i++) {
      if (r.t[i] !== g.t[i]) return `${fmtLabels(r.labels)}: point ${i} at t=${r.t[i]} expected, got t=${g.t[i]}`;
      if (!closeEnough(r.v[i]!, g.v[i]!)) return `${fmtLabels(r.labels)}: at t=${r.t[i]} expected ${r.v[i]}, got ${g.v[i]}`;
    }
  }
  const extra = [...byKey.values()][0];
  return extra ? `unexpected series ${fmtLabels(extra.labels)} in the test result` : null;
}

async function attempt(target: QueryTarget, query: string, run: ComplianceRun): Promise<{ out?: TargetOutput; error?: string }> {
  try {
    return { out: await target.range({ text: query }, run.startMs, run.endMs, run.stepMs) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

export async function runCompliance(run: ComplianceRun): Promise<ComplianceResult[]> {
  const results: ComplianceResult[] = [];
  for (const c of run.cases) {
    const ref = await attempt(run.reference, c.query, run);
    const got = await attempt(run.test, c.query, run);
    const fail = (message: string): void => void results.push({ query: c.query, status: 'failed', message });
    if (c.shouldFail && OUTDATED_SHOULD_FAIL.has(c.query)) {
      if (!ref.error !== !got.error) fail(`reference ${ref.error ? 'failed' : 'succeeded'} but test ${got.error ? 'failed' : 'succeeded'}`);
      else results.push({ query: c.query, status: 'passed' });
      continue;
    }
    if (c.shouldFail) {
      if (!ref.error) fail('reference: expected an error, query succeeded');
      else if (!got.error) fail('test: expected an error, query succeeded');
      else results.push({ query: c.query, status: 'passed' });
      continue;
    }
    if (ref.error) fail(`reference error: ${ref.error}`);
    else if (got.error) fail(`test error: ${got.error}`);
    else if (c.skipComparison) results.push({ query: c.query, status: 'passed' });
    else {
      let d: string | null;
      try {
        d = diffMatrices(asMatrix(ref.out!), asMatrix(got.out!));
      } catch (e) {
        d = (e as Error).message;
      }
      if (d) fail(d);
      else results.push({ query: c.query, status: 'passed' });
    }
  }
  return results;
}
