/**
 * Runs promqltest scripts against any `QueryTarget` (FORMAT.md §6): loads data, evaluates every
 * eval block — range evals once; instant evals as the main query, the `@` variants and a
 * range-mode cross-check for each — and reports one `CaseResult` per eval.
 *
 * Deviation from upstream, on purpose: a PromQL expression that does not parse fails only its own
 * eval (upstream rejects the whole file), so one parser gap does not hide a file's other results.
 */
import type { Expr } from '../../src/promql/ast.js';
import { checkAnnotations, checkExpectedFailure } from './annotations.js';
import { atVariants } from './at-variants.js';
import { skipReason, type EvalIndex, type SkipReason } from './classify.js';
import { almostEqual, checkMatrixSorted, compareResult, fmtExpected, fmtFloat, fmtValue } from './compare.js';
import { ScriptStorage } from './loader.js';
import { countEvalLines, parseScript, ScriptSyntaxError } from './script-parser.js';
import { expectsFailure, isOrdered, type EvalCmd } from './script-types.js';
import type { QueryInput, QueryTarget, TargetOutput, TargetSample } from './target.js';

export interface ScriptFile {
  name: string;
  text: string;
}

export interface RunOptions {
  target: QueryTarget;
  /** The PromQL parser (the engine's): needed for `@` variants and histogram classification. */
  parse: (query: string) => Expr;
  /** Printer for `@` variants' text (reports; targets that need text). Default: a description. */
  format?: (e: Expr) => string;
  /** eval-index.tsv: the skip classification. */
  index?: EvalIndex;
  /** Run the `@` variants of instant evals (default true). */
  variants?: boolean;
  /** Run the range-mode cross-check of instant evals (default true). */
  rangeCheck?: boolean;
  /** Only evals whose `file:line` passes this filter run; others are not reported at all. */
  filter?: (file: string, line: number) => boolean;
  onCase?: (c: CaseResult) => void;
}

export interface Failure {
  /** Which query failed: `main`, `@ variant at t=…`, `range check …`. */
  stage: string;
  query: string;
  message: string;
  expected?: string;
  got?: string;
}

export interface CaseResult {
  file: string;
  line: number;
  kind: 'instant' | 'range';
  expr: string;
  status: 'passed' | 'failed' | 'skipped';
  skipReason?: SkipReason;
  failure?: Failure;
  features: string[];
  ms: number;
}

/** A JS programming error inside the target (not a PromQL error): never counts as an expected failure. */
function isCrash(e: unknown): boolean {
  return e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class EvalFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

interface Query {
  input: QueryInput;
  timeMs: number;
  stage: string;
}

export async function runScript(file: ScriptFile, opts: RunOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const emit = (c: CaseResult): void => {
    results.push(c);
    opts.onCase?.(c);
  };
  const wanted = (line: number): boolean => !opts.filter || opts.filter(file.name, line);
  let script;
  try {
    script = parseScript(file.name, file.text);
  } catch (e) {
    if (!(e instanceof ScriptSyntaxError)) throw e;
    for (const ev of countEvalLines(file.text)) {
      if (!wanted(ev.line)) continue;
      const entry = opts.index?.get(`${file.name}:${ev.line}`);
      emit({
        file: file.name, line: ev.line, kind: /\brange\b/.test(ev.expr) ? 'range' : 'instant', expr: ev.expr, status: 'failed',
        failure: { stage: 'file', query: ev.expr, message: `script does not parse: ${e.message}` }, features: entry?.features ?? [], ms: 0,
      });
    }
    return results;
  }
  const storage = new ScriptStorage();
  let dirty = true;
  for (const cmd of script.commands) {
    if (cmd.kind === 'clear') {
      storage.clear();
      dirty = true;
      continue;
    }
    if (cmd.kind === 'load') {
      storage.load(cmd);
      dirty = true;
      continue;
    }
    if (!wanted(cmd.line)) continue;
    const entry = opts.index?.get(`${file.name}:${cmd.line}`);
    const base = { file: file.name, line: cmd.line, kind: cmd.mode, expr: cmd.expr, features: entry?.features ?? [] };
    const t0 = performance.now();
    let expr: Expr | undefined;
    let parseError: string | undefined;
    try {
      expr = opts.parse(cmd.expr);
    } catch (e) {
      parseError = errorText(e);
    }
    const skip = skipReason(cmd, entry, expr, storage.histogramSeries());
    if (skip) {
      emit({ ...base, status: 'skipped', skipReason: skip, ms: 0 });
      continue;
    }
    if (parseError !== undefined || !expr) {
      // A query the parser rejects counts as rejected at creation: fine only if failure is expected.
      const bad = expectsFailure(cmd) ? checkExpectedFailure(cmd, parseError ?? '') : `parse error: ${parseError}`;
      if (bad) emit({ ...base, status: 'failed', failure: { stage: 'parse', query: cmd.expr, message: bad, expected: fmtExpected(cmd) }, ms: 0 });
      else emit({ ...base, status: 'passed', ms: 0 });
      continue;
    }
    try {
      if (dirty) {
        await opts.target.setData(storage.snapshot());
        dirty = false;
      }
      if (cmd.mode === 'range') await runRangeEval(cmd, expr, opts);
      else await runInstantEval(cmd, expr, opts);
      emit({ ...base, status: 'passed', ms: performance.now() - t0 });
    } catch (e) {
      const failure = e instanceof EvalFailure ? e.failure : { stage: 'runner', query: cmd.expr, message: `runner error: ${errorText(e)}` };
      emit({ ...base, status: 'failed', failure, ms: performance.now() - t0 });
    }
  }
  return results;
}

async function runRangeEval(cmd: EvalCmd, expr: Expr, opts: RunOptions): Promise<void> {
  const q: Query = { input: { text: cmd.expr, expr }, timeMs: cmd.startMs, stage: 'main' };
  let out: TargetOutput;
  try {
    out = await opts.target.range(q.input, cmd.startMs, cmd.endMs, cmd.stepMs);
  } catch (e) {
    handleError(cmd, q, e);
    return;
  }
  checkOutput(cmd, q, out);
}

/** An error from the target: fine when failure is expected and the message matches. */
function handleError(cmd: EvalCmd, q: Query, e: unknown): void {
  const msg = errorText(e);
  if (isCrash(e)) fail(cmd, q, `engine crashed: ${(e as Error).name}: ${msg}${stackHint(e)}`);
  if (!expectsFailure(cmd)) fail(cmd, q, `error evaluating query: ${msg}`);
  const bad = checkExpectedFailure(cmd, msg);
  if (bad) fail(cmd, q, bad);
}

function stackHint(e: unknown): string {
  const st = e instanceof Error ? e.stack ?? '' : '';
  const at = st.split('\n').find((l) => l.includes('/src/'));
  return at ? ` (${at.trim()})` : '';
}

function fail(cmd: EvalCmd, q: Query, message: string, got?: string): never {
  throw new EvalFailure({ stage: q.stage, query: q.input.text, message, expected: fmtExpected(cmd), ...(got !== undefined ? { got } : {}) });
}

/** Checks a successful main/variant query: no failure expected, annotations, result. */
function checkOutput(cmd: EvalCmd, q: Query, out: TargetOutput): void {
  if (expectsFailure(cmd)) fail(cmd, q, `expected error evaluating query but got none`, fmtValue(out.value));
  // Range queries always yield a matrix; `expect range vector` asks for one from an instant query.
  if ((cmd.mode === 'range' || cmd.rangeVector) && out.value.resultType !== 'matrix')
    fail(cmd, q, `expected a matrix result, but got ${out.value.resultType}`, fmtValue(out.value));
  const ann = checkAnnotations(cmd, out.warnings, out.infos);
  if (ann) fail(cmd, q, ann, fmtValue(out.value));
  const bad = compareResult(cmd, out.value, isOrdered(cmd));
  if (bad) fail(cmd, q, bad, fmtValue(out.value));
}

async function runInstantEval(cmd: EvalCmd, expr: Expr, opts: RunOptions): Promise<void> {
  const queries: Query[] = [{ input: { text: cmd.expr, expr }, timeMs: cmd.atMs, stage: 'main' }];
  if (opts.variants !== false) {
    for (const v of atVariants(expr, cmd.atMs)) {
      let text: string;
      try {
        text = opts.format ? opts.format(v.expr) : `${cmd.expr} /* every selector @ ${cmd.atMs / 1000} */`;
      } catch (e) {
        text = `${cmd.expr} /* @ ${cmd.atMs / 1000}; printer failed: ${errorText(e)} */`;
      }
      queries.push({ input: { text, expr: v.expr }, timeMs: v.timeMs, stage: `@ variant evaluated at t=${v.timeMs}ms` });
    }
  }
  for (const q of queries) {
    let out: TargetOutput;
    try {
      out = await opts.target.instant(q.input, q.timeMs);
    } catch (e) {
      handleError(cmd, q, e);
      continue; // expected failure, matched
    }
    checkOutput(cmd, q, out);
    if (opts.rangeCheck === false || cmd.rangeVector || cmd.expectedString !== undefined) continue;
    if (['start()', 'end()', 'range()', 'step()'].some((f) => q.input.text.includes(f))) continue;
    await rangeCheck(cmd, q, out, opts);
  }
}

/** FORMAT.md §6.3 step 4: the same expression as a range query around T must agree at T. */
async function rangeCheck(cmd: EvalCmd, q: Query, instantOut: TargetOutput, opts: RunOptions): Promise<void> {
  const T = q.timeMs;
  const rq: Query = { ...q, stage: `${q.stage === 'main' ? '' : q.stage + ', '}range check from ${T - 60_000} to ${T + 60_000} step 60000, point at t=${T}` };
  let out: TargetOutput;
  try {
    out = await opts.target.range(q.input, T - 60_000, T + 60_000, 60_000);
  } catch (e) {
    if (isCrash(e)) fail(cmd, rq, `engine crashed in range mode: ${(e as Error).name}: ${errorText(e)}${stackHint(e)}`);
    fail(cmd, rq, `error evaluating query in range mode: ${errorText(e)}`);
  }
  if (isOrdered(cmd)) return;
  if (out.value.resultType !== 'matrix') fail(cmd, rq, `range query returned ${out.value.resultType}, not a matrix`, fmtValue(out.value));
  const unsorted = checkMatrixSorted(out.value.series);
  if (unsorted) fail(cmd, rq, unsorted, fmtValue(out.value));
  const vec: TargetSample[] = [];
  for (const s of out.value.series) {
    for (let i = 0; i < s.t.length; i++) {
      if (s.t[i] === T) {
        vec.push({ labels: s.labels, t: T, v: s.v[i]! });
        break;
      }
    }
  }
  let bad: string | null;
  if (instantOut.value.resultType === 'scalar') {
    if (vec.length === 0) fail(cmd, rq, `range mode returned no point at t=${T} for a scalar expression`, fmtValue(out.value));
    bad = cmd.scalar === undefined ? 'expected vector or matrix result, but got scalar' : almostEqual(cmd.scalar, vec[0]!.v) ? null : `expected scalar ${fmtFloat(cmd.scalar)} but got ${fmtFloat(vec[0]!.v)}`;
  } else {
    bad = compareResult(cmd, { resultType: 'vector', samples: vec }, false);
  }
  if (bad) fail(cmd, rq, bad, fmtValue({ resultType: 'vector', samples: vec }));
}

export interface SuiteResult {
  cases: CaseResult[];
  counts: SuiteCounts;
}

export interface SuiteCounts {
  cases: number;
  passed: number;
  failed: number;
  skipped: number;
  skipped_reasons: Record<string, number>;
}

export function countResults(cases: readonly CaseResult[]): SuiteCounts {
  const c: SuiteCounts = { cases: cases.length, passed: 0, failed: 0, skipped: 0, skipped_reasons: {} };
  for (const r of cases) {
    c[r.status]++;
    if (r.status === 'skipped') c.skipped_reasons[r.skipReason!] = (c.skipped_reasons[r.skipReason!] ?? 0) + 1;
  }
  return c;
}

/** Runs files one after the other (they share the target; each file starts with empty storage). */
export async function runScripts(files: readonly ScriptFile[], opts: RunOptions): Promise<SuiteResult> {
  const cases: CaseResult[] = [];
  for (const f of files) cases.push(...(await runScript(f, opts)));
  return { cases, counts: countResults(cases) };
}
