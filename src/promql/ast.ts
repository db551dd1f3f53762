/**
 * The typed PromQL AST: a sealed union of node kinds, discriminated by `kind`. Built from the
 * Lezer concrete tree by parse.ts; printed back to canonical PromQL by print.ts; evaluated by
 * src/engine. Nodes are plain immutable data (no methods) so they serialise and compare easily.
 *
 * Positions are 0-based character offsets into the query text ([start, end)).
 */
import type { Matcher } from '../model/index.js';

export interface Pos {
  readonly start: number;
  readonly end: number;
}

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export interface NumberLiteral {
  readonly kind: 'NumberLiteral';
  readonly value: number;
  readonly pos: Pos;
}

export interface StringLiteral {
  readonly kind: 'StringLiteral';
  readonly value: string;
  readonly pos: Pos;
}

/**
 * Durations may be expressions (Prometheus 3 duration arithmetic: `[5m + step()]`,
 * `offset (1h * 2)`, `min_of(…)`). They are evaluated in seconds (float) when the query's start,
 * end and step are known; `DurationNumber.seconds` holds `5m` as 300, a bare `2` as 2.
 */
export type DurationExpr =
  | { readonly kind: 'DurationNumber'; readonly seconds: number }
  | { readonly kind: 'DurationBinary'; readonly op: '+' | '-' | '*' | '/' | '%' | '^'; readonly lhs: DurationExpr; readonly rhs: DurationExpr }
  | { readonly kind: 'DurationUnary'; readonly op: '+' | '-'; readonly expr: DurationExpr }
  | { readonly kind: 'DurationStep' }
  | { readonly kind: 'DurationRange' }
  | { readonly kind: 'DurationMinMax'; readonly fn: 'min_of' | 'max_of'; readonly args: readonly [DurationExpr, DurationExpr] };

/** `@ <time>`, `@ start()`, `@ end()`. */
export type AtModifier = { readonly kind: 'time'; readonly ms: number } | { readonly kind: 'start' } | { readonly kind: 'end' };

export interface VectorSelector {
  readonly kind: 'VectorSelector';
  /** The metric name written before the braces, if any (also present as a `__name__` matcher). */
  readonly name?: string;
  /** All matchers, including `__name__="name"` when a name was written. */
  readonly matchers: readonly Matcher[];
  /** Signed offset (positive looks back in time). */
  readonly offset?: DurationExpr;
  readonly at?: AtModifier;
  /** Experimental extended range selectors (`anchored`, `smoothed`). */
  readonly anchored?: boolean;
  readonly smoothed?: boolean;
  readonly pos: Pos;
}

export interface MatrixSelector {
  readonly kind: 'MatrixSelector';
  readonly vector: VectorSelector;
  readonly range: DurationExpr;
  readonly pos: Pos;
}

export interface SubqueryExpr {
  readonly kind: 'SubqueryExpr';
  readonly expr: Expr;
  readonly range: DurationExpr;
  /** Absent: the engine's default subquery step (the query step or 1m for instant queries, per engine settings). */
  readonly step?: DurationExpr;
  readonly offset?: DurationExpr;
  readonly at?: AtModifier;
  readonly pos: Pos;
}

export interface Call {
  readonly kind: 'Call';
  /** Function name as written (lower-case, e.g. 'rate', 'histogram_quantile'). */
  readonly func: string;
  readonly args: readonly Expr[];
  readonly pos: Pos;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'count'
  | 'min'
  | 'max'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'count_values'
  | 'quantile'
  | 'limitk'
  | 'limit_ratio';

export interface AggregateExpr {
  readonly kind: 'AggregateExpr';
  readonly op: AggregateOp;
  readonly expr: Expr;
  /** The parameter of topk/bottomk/quantile/count_values/limitk/limit_ratio. */
  readonly param?: Expr;
  readonly grouping: readonly string[];
  /** true for `without (…)`; false for `by (…)` or no clause. */
  readonly without: boolean;
  readonly pos: Pos;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
/** Experimental histogram trim operators `</` and `>/`. */
export type TrimOp = '</' | '>/';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp | TrimOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  readonly card: Cardinality;
  /** true for `on (…)`, false for `ignoring (…)` or none. */
  readonly on: boolean;
  /** Labels of the on/ignoring clause. */
  readonly labels: readonly string[];
  /** Extra labels of group_left/group_right (…). */
  readonly include: readonly string[];
  /** Experimental fill modifiers: values used for a missing side. */
  readonly fillLeft?: number;
  readonly fillRight?: number;
}

export interface BinaryExpr {
  readonly kind: 'BinaryExpr';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  /** Present when both sides are vectors (set ops get card 'many-to-many'). */
  readonly matching?: VectorMatching;
  readonly pos: Pos;
}

export interface UnaryExpr {
  readonly kind: 'UnaryExpr';
  readonly op: '+' | '-';
  readonly expr: Expr;
  readonly pos: Pos;
}

export interface ParenExpr {
  readonly kind: 'ParenExpr';
  readonly expr: Expr;
  readonly pos: Pos;
}

/** The static type of an expression (after semantic checks). */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'AggregateExpr':
      return 'vector';
    case 'UnaryExpr':
    case 'ParenExpr':
      return typeOf(e.expr);
    case 'BinaryExpr':
      return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'Call':
      return callReturnType(e.func);
  }
}

const SCALAR_FUNCS = new Set(['time', 'scalar', 'pi', 'start', 'end', 'step', 'range', 'min_of', 'max_of']);
const STRING_FUNCS = new Set<string>([]);

function callReturnType(func: string): ValueType {
  if (SCALAR_FUNCS.has(func)) return 'scalar';
  if (STRING_FUNCS.has(func)) return 'string';
  return 'vector';
}

/** Direct children, in source order. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'NumberLiteral':
    case 'StringLiteral':
    case 'VectorSelector':
      return [];
    case 'MatrixSelector':
      return [e.vector];
    case 'SubqueryExpr':
    case 'UnaryExpr':
    case 'ParenExpr':
      return [e.expr];
    case 'Call':
      return [...e.args];
    case 'AggregateExpr':
      return e.param ? [e.param, e.expr] : [e.expr];
    case 'BinaryExpr':
      return [e.lhs, e.rhs];
  }
}

/** Pre-order walk; return false from `visit` to skip a node's children. */
export function walk(e: Expr, visit: (node: Expr, path: readonly Expr[]) => boolean | void, path: Expr[] = []): void {
  if (visit(e, path) === false) return;
  path.push(e);
  for (const c of children(e)) walk(c, visit, path);
  path.pop();
}
