/** label_replace, label_join and the sort family (instant-query output order). */
import { compareLabels, compileAnchoredRegex, ExecutionError, getLabel, METRIC_NAME, withLabel, type Labels } from '../model/index.js';
import { mergeSameLabels } from './series-ops.js';
import type { VectorValue, VSeries } from './types.js';

/**
 * Whether a label name is valid UTF-8 and non-empty (Prometheus's UTF-8 label names). Lone
 * surrogates stand in for invalid UTF-8 (e.g. the parser's rendering of "\xc5"). Also used by
 * count_values.
 */
export function isValidLabelName(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0xfffd) return false;
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return false;
    }
  }
  return true;
}

/** Go's regexp.Expand template: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expand(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = template.slice(i + 2, close);
      if (!/^[A-Za-z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
      i = close;
    } else {
      const mm = /^[A-Za-z0-9_]+/.exec(template.slice(i + 1));
      if (!mm) {
        out += c;
        continue;
      }
      name = mm[0];
      i += name.length;
    }
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      out += idx < m.length ? (m[idx] ?? '') : '';
    } else out += m.groups?.[name] ?? '';
  }
  return out;
}

export function labelReplace(vec: VectorValue, dst: string, repl: string, src: string, regex: string): VectorValue {
  let re: RegExp;
  try {
    re = compileAnchoredRegex(regex);
  } catch {
    throw new ExecutionError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) throw new ExecutionError(`invalid destination label name in label_replace(): ${dst}`);
  const out: VSeries[] = [];
  for (const s of vec.series) {
    const m = re.exec(getLabel(s.labels, src));
    if (!m) {
      out.push(s);
      continue;
    }
    const res = expand(repl, m);
    out.push({ ...s, labels: withLabel(s.labels, dst, res), dropName: dst === METRIC_NAME ? false : s.dropName });
  }
  return { kind: 'vector', series: mergeSameLabels(out) };
}

export function labelJoin(vec: VectorValue, dst: string, sep: string, srcs: string[]): VectorValue {
  for (const s of srcs) if (!isValidLabelName(s)) throw new ExecutionError(`invalid source label name in label_join(): ${s}`);
  if (!isValidLabelName(dst)) throw new ExecutionError(`invalid destination label name in label_join(): ${dst}`);
  const out: VSeries[] = vec.series.map((s) => ({
    ...s,
    labels: withLabel(s.labels, dst, srcs.map((n) => getLabel(s.labels, n)).join(sep)),
    dropName: dst === METRIC_NAME ? false : s.dropName,
  }));
  return { kind: 'vector', series: mergeSameLabels(out) };
}

/** Natural order of two strings (digit runs compared numerically), as upstream natsort. */
export function natLess(a: string, b: string): boolean {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i]!;
    const y = rb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length < ny.length;
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return ra.length < rb.length;
}

/** Orders an instant (single-step) vector. */
export function sortVector(vec: VectorValue, how: 'sort' | 'sort_desc' | 'sort_by_label' | 'sort_by_label_desc', labels: string[]): VectorValue {
  const s = vec.series.slice();
  if (how === 'sort' || how === 'sort_desc') {
    const desc = how === 'sort_desc';
    s.sort((a, b) => {
      const x = a.v[0]!;
      const y = b.v[0]!;
      const xn = x !== x;
      const yn = y !== y;
      if (xn || yn) return xn && yn ? 0 : xn ? 1 : -1;
      return desc ? y - x : x - y;
    });
  } else {
    const desc = how === 'sort_by_label_desc';
    s.sort((a, b) => {
      for (const l of labels) {
        const x = getLabel(a.labels, l);
        const y = getLabel(b.labels, l);
        if (x === y) continue;
        return natLess(x, y) !== desc ? -1 : 1;
      }
      const c = compareLabels(a.labels as Labels, b.labels as Labels);
      return desc ? -c : c;
    });
  }
  return { kind: 'vector', series: s };
}
