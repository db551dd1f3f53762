/**
 * The canonical PromQL printer, in Prometheus's style (`sum by (job) (rate(x[5m]))`,
 * `a + on (b) group_left (c) d`, `x[5m] @ 100.000 offset 1m`). `parse(formatExpr(e))` equals `e`
 * up to positions for every parsed expression. Parentheses are added where precedence needs them
 * (trees built by code may lack ParenExpr nodes); parsed trees carry their own ParenExpr nodes.
 * Matchers print in AST order (Prometheus sorts them), joined by `,` as Prometheus does, so the
 * round trip is exact.
 */
import type { AtModifier, BinaryExpr, DurationExpr, Expr, VectorMatching, VectorSelector } from './ast.js';
import type { Matcher } from '../model/index.js';
import { formatDuration } from './durations.js';
import { formatGoNumber } from './numbers.js';
import { quoteGoString } from './strings.js';

const PREC: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  '</': 3,
  '>/': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const ATOM = 10;

const LEGACY_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Names the grammar always reads as keywords or numbers, never as a metric name. */
const RESERVED = new Set(['inf', 'nan', 'bool', 'on', 'ignoring', 'group_left', 'group_right', 'offset']);

export function formatLabelName(name: string): string {
  return LEGACY_LABEL.test(name) ? name : quoteGoString(name);
}

function formatMatcherGo(m: Matcher): string {
  return `${formatLabelName(m.name)}${m.type}${quoteGoString(m.value)}`;
}

function labelList(ls: readonly string[]): string {
  return ls.map(formatLabelName).join(', ');
}

function isNegativeNumber(e: Expr): boolean {
  return e.kind === 'NumberLiteral' && (e.value < 0 || Object.is(e.value, -0));
}

function prec(e: Expr): number {
  if (e.kind === 'BinaryExpr') return PREC[e.op]!;
  if (e.kind === 'UnaryExpr') return 5.5;
  return ATOM;
}

export function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'NumberLiteral':
      return formatGoNumber(e.value);
    case 'StringLiteral':
      return quoteGoString(e.value);
    case 'ParenExpr':
      return `(${formatExpr(e.expr)})`;
    case 'VectorSelector':
      return formatSelector(e) + modifiers(e.anchored, e.smoothed, e.at, e.offset);
    case 'MatrixSelector': {
      const v = e.vector;
      return `${formatSelector(v)}[${formatDurationExpr(e.range)}]${modifiers(v.anchored, v.smoothed, v.at, v.offset)}`;
    }
    case 'SubqueryExpr': {
      const inner = prec(e.expr) < ATOM || isNegativeNumber(e.expr) ? `(${formatExpr(e.expr)})` : formatExpr(e.expr);
      const step = e.step ? formatDurationExpr(e.step) : '';
      return `${inner}[${formatDurationExpr(e.range)}:${step}]${modifiers(false, false, e.at, e.offset)}`;
    }
    case 'Call':
      return `${e.func}(${e.args.map(formatExpr).join(', ')})`;
    case 'AggregateExpr': {
      let head: string = e.op;
      if (e.without) head += ` without (${labelList(e.grouping)}) `;
      else if (e.grouping.length > 0) head += ` by (${labelList(e.grouping)}) `;
      const args = e.param ? `${formatExpr(e.param)}, ${formatExpr(e.expr)}` : formatExpr(e.expr);
      return `${head}(${args})`;
    }
    case 'UnaryExpr': {
      const inner = prec(e.expr) <= 5 ? `(${formatExpr(e.expr)})` : formatExpr(e.expr);
      return `${e.op}${inner}`;
    }
    case 'BinaryExpr':
      return formatBinary(e);
  }
}

function formatBinary(e: BinaryExpr): string {
  const p = PREC[e.op]!;
  const rightAssoc = e.op === '^';
  const lp = prec(e.lhs);
  const lhsParens = lp < p || (lp === p && rightAssoc) || (rightAssoc && (e.lhs.kind === 'UnaryExpr' || isNegativeNumber(e.lhs)));
  const rp = prec(e.rhs);
  // A unary operand on the right never needs parentheses (`a ^ -b`, `a * -(b + c)`).
  const rhsParens = e.rhs.kind !== 'UnaryExpr' && (rp < p || (rp === p && !rightAssoc));
  const lhs = lhsParens ? `(${formatExpr(e.lhs)})` : formatExpr(e.lhs);
  const rhs = rhsParens ? `(${formatExpr(e.rhs)})` : formatExpr(e.rhs);
  return `${lhs} ${e.op}${e.returnBool ? ' bool' : ''}${e.matching ? formatMatching(e.matching) : ''} ${rhs}`;
}

function formatMatching(m: VectorMatching): string {
  let out = '';
  const grouped = m.card === 'many-to-one' || m.card === 'one-to-many';
  if (m.labels.length > 0 || m.on || grouped) out += ` ${m.on ? 'on' : 'ignoring'} (${labelList(m.labels)})`;
  if (grouped) out += ` ${m.card === 'many-to-one' ? 'group_left' : 'group_right'} (${labelList(m.include)})`;
  const l = m.fillLeft;
  const r = m.fillRight;
  if (l !== undefined && r !== undefined && Object.is(l, r)) out += ` fill (${formatGoNumber(l)})`;
  else {
    if (l !== undefined) out += ` fill_left (${formatGoNumber(l)})`;
    if (r !== undefined) out += ` fill_right (${formatGoNumber(r)})`;
  }
  return out;
}

function formatSelector(v: VectorSelector): string {
  let rest = v.matchers;
  const name = v.name;
  if (name !== undefined) {
    const i = rest.findIndex((m) => m.name === '__name__' && m.type === '=' && m.value === name);
    if (i >= 0) rest = [...rest.slice(0, i), ...rest.slice(i + 1)];
    if (!LEGACY_METRIC.test(name) || RESERVED.has(name.toLowerCase())) {
      return `{${[`__name__=${quoteGoString(name)}`, ...rest.map(formatMatcherGo)].join(',')}}`;
    }
    return rest.length > 0 ? `${name}{${rest.map(formatMatcherGo).join(',')}}` : name;
  }
  return `{${rest.map(formatMatcherGo).join(',')}}`;
}

function formatAt(at: AtModifier): string {
  if (at.kind === 'start') return ' @ start()';
  if (at.kind === 'end') return ' @ end()';
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function modifiers(anchored: boolean | undefined, smoothed: boolean | undefined, at: AtModifier | undefined, offset: DurationExpr | undefined): string {
  let out = '';
  if (anchored) out += ' anchored';
  else if (smoothed) out += ' smoothed';
  if (at) out += formatAt(at);
  if (offset) out += ` offset ${formatOffsetDuration(offset)}`;
  return out;
}

function durationLiteral(seconds: number): string {
  const ms = seconds * 1000;
  if (Number.isFinite(ms) && Number.isInteger(ms) && Math.abs(ms) < 2 ** 53) return formatDuration(ms);
  return formatGoNumber(seconds);
}

/** An offset is `[+-]* primary`; anything else is parenthesised. */
function formatOffsetDuration(d: DurationExpr): string {
  switch (d.kind) {
    case 'DurationNumber':
      return durationLiteral(d.seconds);
    case 'DurationUnary':
      return d.expr.kind === 'DurationNumber' ? `${d.op}(${durationLiteral(d.expr.seconds)})` : `${d.op}${formatOffsetDuration(d.expr)}`;
    case 'DurationBinary':
      return `(${formatDurationExpr(d)})`;
    default:
      return formatDurationExpr(d);
  }
}

const DPREC: Record<string, number> = { '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, '^': 6 };

function dprec(d: DurationExpr): number {
  if (d.kind === 'DurationBinary') return DPREC[d.op]!;
  if (d.kind === 'DurationUnary') return 5.5;
  return ATOM;
}

/** A duration expression as written inside `[…]`. */
export function formatDurationExpr(d: DurationExpr): string {
  switch (d.kind) {
    case 'DurationNumber':
      return durationLiteral(d.seconds);
    case 'DurationStep':
      return 'step()';
    case 'DurationRange':
      return 'range()';
    case 'DurationMinMax':
      return `${d.fn}(${formatDurationExpr(d.args[0])}, ${formatDurationExpr(d.args[1])})`;
    case 'DurationUnary': {
      const inner = d.expr.kind === 'DurationNumber' || dprec(d.expr) <= 5 ? `(${formatDurationExpr(d.expr)})` : formatDurationExpr(d.expr);
      return `${d.op}${inner}`;
    }
    case 'DurationBinary': {
      const p = DPREC[d.op]!;
      const right = d.op === '^';
      const lp = dprec(d.lhs);
      const negLit = d.lhs.kind === 'DurationNumber' && d.lhs.seconds < 0;
      const lParen = lp < p || (lp === p && right) || (right && (d.lhs.kind === 'DurationUnary' || negLit));
      const rp = dprec(d.rhs);
      const rParen = d.rhs.kind !== 'DurationUnary' && (rp < p || (rp === p && !right));
      const l = lParen ? `(${formatDurationExpr(d.lhs)})` : formatDurationExpr(d.lhs);
      // A literal multiplier/divisor/exponent reads better as a plain number (`1h * 2`, not `1h * 2s`).
      const plainRhs = d.op !== '+' && d.op !== '-' && d.rhs.kind === 'DurationNumber' && d.rhs.seconds >= 0;
      const r = rParen ? `(${formatDurationExpr(d.rhs)})` : plainRhs ? formatGoNumber((d.rhs as { seconds: number }).seconds) : formatDurationExpr(d.rhs);
      return `${l} ${d.op} ${r}`;
    }
  }
}
