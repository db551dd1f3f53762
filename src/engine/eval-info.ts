/**
 * info(v, {data label selector}) (experimental): enriches series with the data labels of info
 * metrics (default `target_info`) joined on the identifying labels instance and job, as
 * Prometheus promql/info.go. The info series are prefetched like any selector through a
 * synthetic selector per call (a superset of upstream's select: its identifying-label regexes
 * only narrow series that could never join).
 */
import { compileMatcher, ExecutionError, getLabel, METRIC_NAME, type CompiledMatcher, type Label, type Labels, type Matcher } from '../model/index.js';
import { walk, type AtModifier, type Call, type DurationExpr, type Expr, type VectorSelector } from '../promql/index.js';
import { evalExpr } from './eval.js';
import { evalVectorSelector } from './eval-selectors.js';
import { labelsString, SAME_LABELSET } from './series-ops.js';
import type { EvalContext, VectorValue, VSeries } from './types.js';

const TARGET_INFO = 'target_info';
const IDENTIFYING = ['instance', 'job'];

function nameMatchersOf(call: Call): Matcher[] {
  const sel = call.args[1];
  if (sel && sel.kind === 'VectorSelector') return sel.matchers.filter((m) => m.name === METRIC_NAME);
  return [{ type: '=', name: METRIC_NAME, value: TARGET_INFO }];
}

function effectiveNameMatchers(ms: Matcher[]): Matcher[] {
  if (ms.some((m) => m.type === '=' || m.type === '=~')) return ms;
  if (ms.length > 0) return [{ type: '=~', name: METRIC_NAME, value: '.+_info' }, ...ms];
  return [{ type: '=', name: METRIC_NAME, value: TARGET_INFO }];
}

/** The `@` and offset upstream applies to info series: those of the first selector in args[0]. */
function timestampAndOffset(arg: Expr): { at?: AtModifier; offset?: DurationExpr } {
  let found: { at?: AtModifier; offset?: DurationExpr } | undefined;
  walk(arg, (node, path) => {
    if (found) return false;
    if (node.kind !== 'VectorSelector') return;
    let at = node.at;
    let offset = node.offset;
    for (let i = path.length - 1; !at && i >= 0; i--) {
      const p = path[i]!;
      if (p.kind === 'SubqueryExpr') {
        if (p.offset) offset = offset ? { kind: 'DurationBinary', op: '+', lhs: offset, rhs: p.offset } : p.offset;
        at = p.at;
      }
    }
    found = { ...(at ? { at } : {}), ...(offset ? { offset } : {}) };
    return false;
  });
  return found ?? {};
}

/** The synthetic selector fetching the info series of one info() call. */
export function infoSelector(ctx: EvalContext, call: Call): VectorSelector {
  let sel = ctx.infoSelectors.get(call);
  if (sel) return sel;
  const data = call.args[1]?.kind === 'VectorSelector' ? call.args[1].matchers.filter((m) => m.name !== METRIC_NAME) : [];
  const { at, offset } = timestampAndOffset(call.args[0]!);
  sel = {
    kind: 'VectorSelector',
    matchers: [...data, ...effectiveNameMatchers(call.args[1] ? nameMatchersOf(call) : [])],
    ...(at ? { at } : {}),
    ...(offset ? { offset } : {}),
    pos: call.pos,
  };
  ctx.infoSelectors.set(call, sel);
  return sel;
}

function matchesAll(ms: CompiledMatcher[], v: string): boolean {
  for (const m of ms) if (!m.matches(v)) return false;
  return true;
}

function infoSig(name: string, labels: Labels): string {
  let s = name;
  for (const id of IDENTIFYING) {
    const v = getLabel(labels, id);
    if (v !== '') s += '\xff' + id + '\xff' + v;
  }
  return s;
}

export function evalInfo(ctx: EvalContext, call: Call, ts: Float64Array): VectorValue {
  const n = ts.length;
  const base = evalExpr(ctx, call.args[0]!, ts) as VectorValue;
  const ignoreMatchers = effectiveNameMatchers(call.args[1] ? nameMatchersOf(call) : []).map(compileMatcher);
  const dataMatchers = new Map<string, CompiledMatcher[]>();
  if (call.args[1]?.kind === 'VectorSelector') {
    for (const m of call.args[1].matchers) {
      if (m.name === METRIC_NAME) continue;
      const list = dataMatchers.get(m.name) ?? [];
      list.push(compileMatcher(m));
      dataMatchers.set(m.name, list);
    }
  }
  let allMatchEmpty = true;
  for (const ms of dataMatchers.values()) for (const m of ms) if (!m.matches('')) allMatchEmpty = false;

  const times: Float64Array[] = [];
  const info = evalVectorSelector(ctx, infoSelector(ctx, call), ts, times);
  const infoNames: string[] = [];
  for (const s of info.series) {
    const nm = getLabel(s.labels, METRIC_NAME);
    if (!infoNames.includes(nm)) infoNames.push(nm);
  }
  const infoSigs = info.series.map((s) => infoSig(getLabel(s.labels, METRIC_NAME), s.labels));
  const ignored = base.series.map((s) => matchesAll(ignoreMatchers, getLabel(s.labels, METRIC_NAME)));
  const baseSigs = base.series.map((s) => infoNames.map((nm) => infoSig(nm, s.labels)));

  const outByKey = new Map<string, VSeries>();
  const out: VSeries[] = [];
  const emit = (labels: Labels, s: VSeries, i: number) => {
    let k = '';
    for (const l of labels) k += l.name + '\xff' + l.value + '\xff';
    let o = outByKey.get(k);
    if (!o) {
      o = { labels, v: new Float64Array(n), p: new Uint8Array(n), dropName: s.dropName };
      outByKey.set(k, o);
      out.push(o);
    }
    if (o.p[i]) throw new ExecutionError(SAME_LABELSET);
    o.p[i] = 1;
    o.v[i] = s.v[i]!;
  };

  for (let i = 0; i < n; i++) {
    const right = new Map<string, number>();
    info.series.forEach((s, k) => {
      if (!s.p[i]) return;
      const sig = infoSigs[k]!;
      const prev = right.get(sig);
      if (prev === undefined) return void right.set(sig, k);
      const a = times[prev]![i]!;
      const b = times[k]![i]!;
      if (a < b) right.set(sig, k);
      else if (a === b) {
        throw new ExecutionError(`found duplicate series for info metric: existing ${labelsString(info.series[prev]!.labels)} @ ${a}, new ${labelsString(s.labels)} @ ${b}`);
      }
    });
    base.series.forEach((s, k) => {
      if (!s.p[i]) return;
      if (ignored[k]) return emit(s.labels, s, i);
      const add = new Map<string, string>();
      let seen = 0;
      infoNames.forEach((_, j) => {
        const ik = right.get(baseSigs[k]![j]!);
        if (ik === undefined) return;
        for (const l of info.series[ik]!.labels) {
          if (l.name === METRIC_NAME) continue;
          if (dataMatchers.size > 0 && !dataMatchers.has(l.name)) continue;
          const cur = add.get(l.name);
          if (cur !== undefined && cur !== '' && cur !== l.value) throw new ExecutionError(`conflicting label: ${l.name}`);
          if (getLabel(s.labels, l.name) !== '') continue;
          add.set(l.name, l.value);
        }
        seen++;
      });
      if (seen === 0 && !allMatchEmpty) return;
      if (add.size === 0) return emit(s.labels, s, i);
      const labels: Label[] = s.labels.filter((l) => !add.has(l.name));
      for (const [name, value] of add) if (value !== '') labels.push({ name, value });
      labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      emit(labels, s, i);
    });
  }
  return { kind: 'vector', series: out };
}
