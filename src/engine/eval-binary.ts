/**
 * Binary operators: scalar/scalar, vector/scalar, vector/vector with on/ignoring,
 * group_left/group_right, bool, and the set operators and/or/unless.
 */
import { ExecutionError, METRIC_NAME, type Label, type Labels } from '../model/index.js';
import type { BinaryExpr, BinaryOp, VectorMatching } from '../promql/index.js';
import { dropMetricName, dropNames, labelsString, mergeSameLabels, SAME_LABELSET } from './series-ops.js';
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
  const fillL = m.fillLeft;
  const fillR = m.fillRight;
  if ((lhsIn.length === 0 && rhsIn.length === 0) || ((lhsIn.length === 0 || rhsIn.length === 0) && fillL === undefined && fillR === undefined)) return [];
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const cmp = COMPARISON.has(op);
  const oneToOne = m.card === 'one-to-one';

  const sigIds = new Map<string, number>();
  const sigOf = (labels: Labels): number => {
    const k = signature(labels, m);
    let id = sigIds.get(k);
    if (id === undefined) sigIds.set(k, (id = sigIds.size));
    return id;
  };
  const lsig = lhs.map((s) => sigOf(s.labels));
  const rsig = rhs.map((s) => sigOf(s.labels));
  const nSig = sigIds.size;

  const outByKey = new Map<string, VSeries>();
  const outList: VSeries[] = [];
  /** Output series per (lhs, rhs) pair; -1 stands for a filled side. */
  const pairTarget = new Map<string, VSeries>();
  // Per lhs slot, the last pair resolved (pairs rarely change between steps).
  const lastR = new Int32Array(lhs.length + 1).fill(-2);
  const lastT: (VSeries | undefined)[] = new Array(lhs.length + 1);
  const rightAt = new Int32Array(nSig);
  const matchedOne = new Uint8Array(nSig);
  const matchedMany: (Set<VSeries> | undefined)[] = new Array(nSig);

  const doBinOp = (li: number, ri: number, fl0: number, fr0: number, sig: number, i: number) => {
    let fl = fl0;
    let fr = fr0;
    if (swapped) [fl, fr] = [fr, fl];
    let value: number;
    let keep = true;
    if (cmp) {
      keep = compare(op, fl, fr);
      value = returnBool ? (keep ? 1 : 0) : fl;
    } else value = arith(op, fl, fr);
    const slot = li + 1;
    let target = lastR[slot] === ri ? lastT[slot] : undefined;
    if (!target) target = pairTarget.get(li + ':' + ri);
    if (!target) {
      const ll = li >= 0 ? lhs[li]!.labels : matchLabels(rhs[ri]!.labels, m);
      const rl = ri >= 0 ? rhs[ri]!.labels : matchLabels(lhs[li]!.labels, m);
      const res = resultLabels(ctx, ll, rl, op, m, returnBool);
      const key = res.labels.map((x) => x.name + '\xff' + x.value).join('\xff');
      target = outByKey.get(key);
      if (!target) {
        const inheritDrop = li >= 0 ? lhs[li]!.dropName : false;
        target = { labels: res.labels, v: new Float64Array(n), p: new Uint8Array(n), dropName: res.drop || (!cmp || returnBool ? false : inheritDrop) };
        outByKey.set(key, target);
        outList.push(target);
      }
      pairTarget.set(li + ':' + ri, target);
    }
    if (li >= 0) {
      lastR[slot] = ri;
      lastT[slot] = target;
    }
    if (oneToOne) {
      if (matchedOne[sig]) throw new ExecutionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matchedOne[sig] = 1;
    } else {
      let set = matchedMany[sig];
      if (!set) matchedMany[sig] = set = new Set();
      if (set.has(target)) throw new ExecutionError('multiple matches for labels: grouping labels must ensure unique matches');
      set.add(target);
    }
    if (!keep && !returnBool) return;
    if (target.p[i]) throw new ExecutionError(SAME_LABELSET);
    target.p[i] = 1;
    target.v[i] = value;
  };

  for (let i = 0; i < n; i++) {
    rightAt.fill(-1);
    matchedOne.fill(0);
    matchedMany.fill(undefined);
    for (let j = 0; j < rhs.length; j++) {
      if (!rhs[j]!.p[i]) continue;
      const sig = rsig[j]!;
      const prev = rightAt[sig]!;
      if (prev >= 0) {
        let d1 = labelsString(rhs[j]!.labels);
        let d2 = labelsString(rhs[prev]!.labels);
        if (d1 > d2) [d1, d2] = [d2, d1];
        throw new ExecutionError(
          `found duplicate series for the match group ${labelsString(matchLabels(rhs[j]!.labels, m))} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${d1}, ${d2}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      rightAt[sig] = j;
    }
    for (let li = 0; li < lhs.length; li++) {
      const ls = lhs[li]!;
      if (!ls.p[i]) continue;
      const sig = lsig[li]!;
      const ri = rightAt[sig]!;
      if (ri >= 0) doBinOp(li, ri, ls.v[i]!, rhs[ri]!.v[i]!, sig, i);
      else if (fillR !== undefined) doBinOp(li, -1, ls.v[i]!, fillR, sig, i);
    }
    if (fillL !== undefined) {
      for (let ri = 0; ri < rhs.length; ri++) {
        const rs = rhs[ri]!;
        if (!rs.p[i]) continue;
        const sig = rsig[ri]!;
        if (oneToOne ? matchedOne[sig] : matchedMany[sig]?.size) continue;
        doBinOp(-1, ri, fillL, rs.v[i]!, sig, i);
      }
    }
  }
  return outList.filter((s) => s.p.some((x) => x === 1));
}
