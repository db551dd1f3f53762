/**
 * Matchers → target-key spans. Equality on a prefix of (tenant, target labels…) narrows the key
 * space to one span; a regex that is a plain alternation of literals (`job=~"api|web"`) narrows
 * it to one span per alternative. Every candidate value is checked against all matchers on its
 * label, so contradictions (`job="a", job!="a"`) yield no span at all.
 *
 * Pruning may only remove ranges that cannot hold a matching series: a span is always a superset
 * of the keys of the matching series (negative matchers and other regexes never narrow it).
 */
import { literalPrefixSpan, regexLiteralPrefix } from './prune-regex-prefix.js';
import { compileMatcher, formatKey, formatMatcher, KeyEncoder, prefixRange, type KeySpan, type Matcher } from '../model/index.js';

/** The most spans a selector expands to; beyond it the prefix stops growing (a wider span). */
export const MAX_SPANS = 64;

export interface KeySpans {
  /** Disjoint spans in key order; empty when no series can match. */
  readonly spans: KeySpan[];
  /** How many target labels (after the tenant) the spans fix; 0 = the whole tenant. */
  readonly depth: number;
  /** Human-readable reasons, for Explain. */
  readonly why: string[];
}

/** Candidate values of one label implied by its matchers, or undefined when unconstrained. */
function candidateValues(name: string, matchers: readonly Matcher[]): { values: string[]; from: Matcher[] } | undefined {
  const own = matchers.filter((m) => m.name === name);
  let values: string[] | undefined;
  const from: Matcher[] = [];
  for (const m of own) {
    let vs: string[] | undefined;
    if (m.type === '=') vs = [m.value];
    else if (m.type === '=~') vs = literalAlternatives(m.value);
    if (vs === undefined) continue;
    from.push(m);
    values = values === undefined ? vs : values.filter((v) => vs!.includes(v));
  }
  if (values === undefined) return undefined;
  const compiled = own.map(compileMatcher);
  const kept = [...new Set(values)].filter((v) => compiled.every((c) => c.matches(v)));
  return { values: kept.sort(), from };
}

const META = new Set(['.', '+', '*', '?', '(', ')', '[', ']', '{', '}', '^', '$']);

/**
 * The alternatives of a fully anchored RE2 regex made only of literals and `|`
 * (`api|web`, `a\.b|c`), or undefined for anything else (classes, quantifiers, groups, flags).
 */
export function literalAlternatives(re: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < re.length; i++) {
    const c = re[i]!;
    if (c === '\\') {
      const n = re[i + 1];
      if (n === undefined || /[A-Za-z0-9]/.test(n)) return undefined;
      cur += n;
      i++;
    } else if (c === '|') {
      out.push(cur);
      cur = '';
    } else if (META.has(c)) return undefined;
    else cur += c;
  }
  out.push(cur);
  return out;
}

export function keySpansFor(tenant: string, matchers: readonly Matcher[], encoder: KeyEncoder): KeySpans {
  let prefixes: string[][] = [[tenant]];
  const why: string[] = [];
  let depth = 0;
  for (const name of encoder.targetLabels) {
    const c = candidateValues(name, matchers);
    if (c === undefined) {
      // A regex with a literal prefix (`db-.*`) still narrows this field to a key-prefix span.
      const rm = matchers.find((m) => m.name === name && m.type === '=~' && regexLiteralPrefix(m.value) !== undefined);
      if (rm) {
        const lp = regexLiteralPrefix(rm.value)!;
        why.push(`${formatMatcher(rm)} → literal prefix ${JSON.stringify(lp)} after ${describePrefixes(prefixes)}`);
        return { spans: prefixes.map((p) => literalPrefixSpan(p, lp)), depth: depth + 1, why };
      }
      if (depth === 0) why.push(`no equality matcher on ${name} → every key of tenant ${JSON.stringify(tenant)}`);
      break;
    }
    const shown = c.from.map(formatMatcher).join(', ');
    if (c.values.length === 0) {
      why.push(`${matchers.filter((m) => m.name === name).map(formatMatcher).join(', ')} cannot all hold → no key`);
      return { spans: [], depth: depth + 1, why };
    }
    if (prefixes.length * c.values.length > MAX_SPANS) {
      why.push(`${shown} → more than ${MAX_SPANS} key prefixes, not narrowed further`);
      break;
    }
    prefixes = prefixes.flatMap((p) => c.values.map((v) => [...p, v]));
    depth++;
    why.push(`${shown} → ${c.values.length === 1 ? 'key prefix' : `${c.values.length} key prefixes`} ${describePrefixes(prefixes)}`);
  }
  const spans = prefixes.map(prefixRange);
  return { spans, depth, why };
}

function describePrefixes(prefixes: string[][]): string {
  const shown = prefixes.slice(0, 4).map((p) => p.map((f) => JSON.stringify(f)).join('/'));
  return shown.join(', ') + (prefixes.length > 4 ? `, … (${prefixes.length})` : '');
}

/** For logs and tests: a span as `[start, end)`. */
export function formatSpan(s: KeySpan): string {
  return `[${formatKey(s.start)}, ${formatKey(s.end)})`;
}
