/**
 * Native histogram literals `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}` (FORMAT.md §4.3).
 * Canopy's storage is float-only for now: the runner parses these (so files validate) and uses
 * them only to classify evals as needing native histograms. Arithmetic (`{{A}}+{{B}}xN`) is not
 * performed; the generated positions keep A.
 */
import { DslError, parseSeriesNumber } from './dsl-lexical.js';

export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

export interface HistogramLiteral {
  schema: number;
  count: number;
  sum: number;
  zeroCount: number;
  zeroThreshold: number;
  buckets: number[];
  offset: number;
  nBuckets: number[];
  nOffset: number;
  customValues: number[];
  /** Present only when written explicitly (expected values compare it only then). */
  hint?: CounterResetHint;
  /** The literal as written, for reports. */
  text: string;
}

const KEYS = new Set(['schema', 'count', 'sum', 'z_bucket', 'z_bucket_w', 'buckets', 'offset', 'n_buckets', 'n_offset', 'custom_values', 'counter_reset_hint']);
const HINTS = new Set(['unknown', 'reset', 'not_reset', 'gauge']);

/** Parses the inside of `{{ … }}`. */
export function parseHistogramLiteral(inner: string): HistogramLiteral {
  const h: HistogramLiteral = {
    schema: 0, count: 0, sum: 0, zeroCount: 0, zeroThreshold: 0,
    buckets: [], offset: 0, nBuckets: [], nOffset: 0, customValues: [], text: `{{${inner}}}`,
  };
  const seen = new Set<string>();
  // key:value | key:[a b c]
  const re = /\s*([A-Za-z_]+)\s*:\s*(\[[^\]]*\]|[^\s\[\]]+)\s*/y;
  let pos = 0;
  const s = inner.trim();
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new DslError(`invalid histogram literal near "${s.slice(pos, pos + 20)}"`);
    pos = re.lastIndex;
    const key = m[1]!.toLowerCase();
    const val = m[2]!;
    if (!KEYS.has(key)) throw new DslError(`unknown histogram key "${m[1]}"`);
    if (seen.has(key)) throw new DslError(`duplicate histogram key "${key}"`);
    seen.add(key);
    const list = (): number[] => {
      if (!val.startsWith('[')) throw new DslError(`histogram key ${key} needs a [list]`);
      const body = val.slice(1, -1).trim();
      return body === '' ? [] : body.split(/\s+/).map(parseSeriesNumber);
    };
    const int = (): number => {
      if (!/^[+-]?\d+$/.test(val)) throw new DslError(`histogram key ${key} needs an integer, got "${val}"`);
      return Number(val);
    };
    switch (key) {
      case 'schema': h.schema = int(); break;
      case 'count': h.count = parseSeriesNumber(val); break;
      case 'sum': h.sum = parseSeriesNumber(val); break;
      case 'z_bucket': h.zeroCount = parseSeriesNumber(val); break;
      case 'z_bucket_w': h.zeroThreshold = parseSeriesNumber(val); break;
      case 'buckets': h.buckets = list(); break;
      case 'offset': h.offset = int(); break;
      case 'n_buckets': h.nBuckets = list(); break;
      case 'n_offset': h.nOffset = int(); break;
      case 'custom_values': h.customValues = list(); break;
      case 'counter_reset_hint': {
        const v = val.toLowerCase();
        if (!HINTS.has(v)) throw new DslError(`invalid counter_reset_hint "${val}"`);
        h.hint = v as CounterResetHint;
        break;
      }
    }
  }
  return h;
}
