/**
 * Binary operators: scalar/scalar, vector/scalar, vector/vector with on/ignoring,
 * group_left/group_right, bool, and the set operators and/or/unless.
 */
import { ExecutionError, METRIC_NAME, type Label, type Labels } from '../model/index.js';
import type { BinaryExpr, BinaryOp, VectorMatching } from '../promql/index.js';
import { dropMetricName, dropNames, labelsString, mergeSameLabels } from './series-ops.js';
import type { EvalContext, ScalarValue, Value, VectorValue, VSeries } from './types.js';

const ARITH = new Set<BinaryOp>(['+', '-', '*', '/', '%', '^', 'atan2']);
const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISON.has(op);
}

/** Go's math.Pow special cases that differ from JS's `**`. */
function pow(a: number, b: number): number {
  if (b === 0 || a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

export function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return pow(a, b);
    case 'atan2':
      return Math.atan2(a, b);
    default:
      return NaN;
  }
}

export function compare(op: BinaryOp, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}

export function evalBinary(ctx: EvalContext, e: BinaryExpr, lhs: Value, rhs: Value, n: number): Value {
  const op = e.op;
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = lhs.v[i]!;
      const b = rhs.v[i]!;
      out[i] = COMPARISON.has(op) ? (compare(op, a, b) ? 1 : 0) : arith(op, a, b);
    }
    return { kind: 'scalar', v: out };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalar(ctx, op, lhs, rhs, false, e.returnBool, n);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalar(ctx, op, rhs, lhs, true, e.returnBool, n);
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const matching: VectorMatching = e.matching ?? { card: op === 'and' || op === 'or' || op === 'unless' ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
    switch (op) {
      case 'and':
        return { kind: 'vector', series: andUnless(lhs.series, rhs.series, matching, true, n) };
      case 'unless':
        return { kind: 'vector', series: andUnless(lhs.series, rhs.series, matching, false, n) };
      case 'or':
        return { kind: 'vector', series: or(lhs.series, rhs.series, matching, n) };
      default:
        return { kind: 'vector', series: vectorVector(ctx, op, lhs.series, rhs.series, matching, e.returnBool, n) };
    }
  }
  throw new ExecutionError(`invalid binary operation between ${lhs.kind} and ${rhs.kind}`);
}

function vectorScalar(ctx: EvalContext, op: BinaryOp, vec: VectorValue, sc: ScalarValue, scalarLeft: boolean, returnBool: boolean, n: number): VectorValue {
  const cmp = COMPARISON.has(op);
  const out: VSeries[] = [];
  for (const s of vec.series) {
    const v = new Float64Array(n);
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!s.p[i]) continue;
      const x = s.v[i]!;
      const y = sc.v[i]!;
      const a = scalarLeft ? y : x;
      const b = scalarLeft ? x : y;
      if (cmp) {
        const keep = compare(op, a, b);
        if (returnBool) {
          v[i] = keep ? 1 : 0;
        } else {
          if (!keep) continue;
          v[i] = x;
        }
      } else v[i] = arith(op, a, b);
      p[i] = 1;
      any = true;
    }
    if (any) out.push({ labels: s.labels, v, p, dropName: s.dropName });
  }
  if (!cmp || returnBool) return { kind: 'vector', series: dropNames(ctx, out) };
  return { kind: 'vector', series: out };
}

/** The matching signature of a series: values of the on() labels, or all but ignoring()+name. */
function signature(labels: Labels, m: VectorMatching): string {
  let s = '';
  if (m.on) {
    for (const name of m.labels) {
      let val = '';
      for (const l of labels) if (l.name === name) val = l.value;
      s += val + '\xff';
    }
    return s;
  }
  for (const l of labels) {
    if (l.name === METRIC_NAME || m.labels.includes(l.name)) continue;
    s += l.name + '\xff' + l.value + '\xff';
  }
  return s;
}

function matchLabels(labels: Labels, m: VectorMatching): Labels {
  if (m.on) return labels.filter((l) => m.labels.includes(l.name));
  return labels.filter((l) => l.name !== METRIC_NAME && !m.labels.includes(l.name));
}

function presenceBySig(series: VSeries[], m: VectorMatching, n: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const s of series) {
    const k = signature(s.labels, m);
    let p = out.get(k);
    if (!p) out.set(k, (p = new Uint8Array(n)));
    for (let i = 0; i < n; i++) if (s.p[i]) p[i] = 1;
  }
  return out;
}

function andUnless(lhs: VSeries[], rhs: VSeries[], m: VectorMatching, isAnd: boolean, n: number): VSeries[] {
  const rp = presenceBySig(rhs, m, n);
  const out: VSeries[] = [];
  for (const s of lhs) {
    const r = rp.get(signature(s.labels, m));
    if (!r) {
      if (!isAnd) out.push(s);
      continue;
    }
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (s.p[i] && (isAnd ? r[i] : !r[i])) {
        p[i] = 1;
        any = true;
      }
    }
    if (any) out.push({ labels: s.labels, v: s.v, p, dropName: s.dropName });
  }
  return out;
}

function or(lhs: VSeries[], rhs: VSeries[], m: VectorMatching, n: number): VSeries[] {
  const lp = presenceBySig(lhs, m, n);
  const out: VSeries[] = [...lhs];
  for (const s of rhs) {
    const l = lp.get(signature(s.labels, m));
    if (!l) {
      out.push(s);
      continue;
    }
    const p = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (s.p[i] && !l[i]) {
        p[i] = 1;
        any = true;
      }
    }
    if (any) out.push({ labels: s.labels, v: s.v, p, dropName: s.dropName });
  }
  return mergeSameLabels(out);
}

function resultLabels(ctx: EvalContext, l: Labels, r: Labels, op: BinaryOp, m: VectorMatching, returnBool: boolean): { labels: Labels; drop: boolean } {
  const drop = ARITH.has(op) || returnBool;
  let out: Label[] = [...l];
  if (drop && !ctx.delayedNameRemoval) out = [...dropMetricName(out)];
  if (m.card === 'one-to-one') {
    if (m.on) out = out.filter((x) => m.labels.includes(x.name));
    else out = out.filter((x) => !m.labels.includes(x.name));
  }
  for (const name of m.include) {
    out = out.filter((x) => x.name !== name);
    const v = r.find((x) => x.name === name)?.value ?? '';
    if (v !== '') out.push({ name, value: v });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: out, drop: drop && ctx.delayedNameRemoval };
}

function vectorVector(ctx: EvalContext, op: BinaryOp, lhsIn: VSeries[], rhsIn: VSeries[], m: VectorMatching, returnBool: boolean, n: number): VSeries[] {
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const cmp = COMPARISON.has(op);

  // The "one" side: series by signature; two present at one step is a many-to-many error.
  const rightBySig = new Map<string, number[]>();
  for (let j = 0; j < rhs.length; j++) {
    const k = signature(rhs[j]!.labels, m);
    const list = rightBySig.get(k);
    if (list) list.push(j);
    else rightBySig.set(k, [j]);
  }
  for (const list of rightBySig.values()) {
    if (list.length < 2) continue;
    for (let i = 0; i < n; i++) {
      let first = -1;
      for (const j of list) {
        if (!rhs[j]!.p[i]) continue;
        if (first < 0) {
          first = j;
          continue;
        }
        const a = rhs[j]!;
        const b = rhs[first]!;
        throw new ExecutionError(
          `found duplicate series for the match group ${labelsString(matchLabels(a.labels, m))} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${labelsString(a.labels)}, ${labelsString(b.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
    }
  }

  const outByKey = new Map<string, VSeries>();
  const outList: VSeries[] = [];
  for (const ls of lhs) {
    const cands = rightBySig.get(signature(ls.labels, m));
    if (!cands) continue;
    for (const j of cands) {
      const rs = rhs[j]!;
      let target: VSeries | undefined;
      for (let i = 0; i < n; i++) {
        if (!ls.p[i] || !rs.p[i]) continue;
        let fl = ls.v[i]!;
        let fr = rs.v[i]!;
        if (swapped) [fl, fr] = [fr, fl];
        let value: number;
        if (cmp) {
          const keep = compare(op, fl, fr);
          if (returnBool) value = keep ? 1 : 0;
          else if (!keep) continue;
          else value = fl;
        } else value = arith(op, fl, fr);
        if (!target) {
          const rl = resultLabels(ctx, ls.labels, rs.labels, op, m, returnBool);
          const key = rl.labels.map((x) => x.name + '\xff' + x.value).join('\xff');
          target = outByKey.get(key);
          if (!target) {
            target = { labels: rl.labels, v: new Float64Array(n), p: new Uint8Array(n), dropName: rl.drop || (!cmp || returnBool ? false : ls.dropName) };
            outByKey.set(key, target);
            outList.push(target);
          }
        }
        if (target.p[i]) {
          throw new ExecutionError(
            m.card === 'one-to-one'
              ? 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)'
              : 'multiple matches for labels: grouping labels must ensure unique matches',
          );
        }
        target.p[i] = 1;
        target.v[i] = value;
      }
    }
  }
  return outList;
}
