/**
 * Label matchers (`=`, `!=`, `=~`, `!~`). A matcher on a label the series lacks sees the empty
 * string, so `{foo=""}` matches series without `foo` (Prometheus semantics).
 */
import { compileAnchoredRegex, RegexSyntaxError } from './regex.js';
import { InvalidArgumentError } from './errors.js';
import type { Labels } from './labels.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/** A matcher with its test compiled once. */
export interface CompiledMatcher extends Matcher {
  matches(value: string): boolean;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  switch (m.type) {
    case '=':
      return { ...m, matches: (v) => v === m.value };
    case '!=':
      return { ...m, matches: (v) => v !== m.value };
    case '=~':
    case '!~': {
      let re: RegExp;
      try {
        re = compileAnchoredRegex(m.value);
      } catch (e) {
        if (e instanceof RegexSyntaxError) throw new InvalidArgumentError(`invalid regular expression in matcher ${m.name}${m.type}${JSON.stringify(m.value)}: ${e.message}`);
        throw e;
      }
      return m.type === '=~' ? { ...m, matches: (v) => re.test(v) } : { ...m, matches: (v) => !re.test(v) };
    }
    default:
      throw new InvalidArgumentError(`unknown match type ${String((m as Matcher).type)}`);
  }
}

export function matchesLabels(matchers: readonly CompiledMatcher[], labels: Labels): boolean {
  for (const m of matchers) {
    let v = '';
    for (const l of labels) {
      if (l.name === m.name) {
        v = l.value;
        break;
      }
    }
    if (!m.matches(v)) return false;
  }
  return true;
}

/** Whether the matcher matches the empty string (then series lacking the label match too). */
export function matchesEmpty(m: CompiledMatcher): boolean {
  return m.matches('');
}

export function formatMatcher(m: Matcher): string {
  const name = /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name) ? m.name : JSON.stringify(m.name);
  return `${name}${m.type}${JSON.stringify(m.value)}`;
}
