/**
 * What the runner drives: any PromQL implementation behind a "query function" — the engine over
 * a MemoryQuerier, or later the distributed gateway. The shapes mirror the engine's QueryOutput
 * (APIS.md) so the engine adapter is a pass-through.
 */
import type { Labels, Series } from '../../src/model/index.js';
import type { Expr } from '../../src/promql/ast.js';

export interface TargetSample {
  labels: Labels;
  t: number;
  v: number;
}

export type TargetValue =
  | { resultType: 'scalar'; t: number; v: number }
  | { resultType: 'string'; t: number; v: string }
  | { resultType: 'vector'; samples: TargetSample[] }
  | { resultType: 'matrix'; series: readonly Series[] };

export interface TargetOutput {
  value: TargetValue;
  /** Annotation texts, e.g. `PromQL warning: …` (a missing prefix is tolerated). */
  warnings: readonly string[];
  infos: readonly string[];
}

/**
 * A query: its text (the original eval expression, or the re-serialised `@` variant) and, when the
 * runner has it, the parsed AST — an in-process engine can use the AST and skip re-parsing.
 */
export interface QueryInput {
  text: string;
  expr?: Expr;
}

export interface QueryTarget {
  /** Replaces all stored data with these series (float samples; stale markers in `v`). */
  setData(series: readonly Series[]): Promise<void>;
  instant(q: QueryInput, timeMs: number): Promise<TargetOutput>;
  range(q: QueryInput, startMs: number, endMs: number, stepMs: number): Promise<TargetOutput>;
}
