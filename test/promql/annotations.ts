/**
 * Annotation and expected-failure checks (FORMAT.md §8). Annotation texts are matched with the
 * `PromQL warning: ` / `PromQL info: ` prefix (added if the engine omits it) and, when the expected
 * `msg:` carries no position, with a trailing ` (line:col)` stripped (newer upstream, §9).
 */
import { translateGoRegex } from '../../src/model/index.js';
import type { EvalCmd, ExpectLine } from './script-types.js';

const POSITION_SUFFIX = / \(\d+:\d+\)$/;
const regexCache = new Map<string, RegExp>();

/** RE2 pattern, unanchored search. */
export function goRegexSearch(pattern: string, text: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    const { src, flags } = translateGoRegex(pattern);
    re = new RegExp(src, [...flags].join(''));
    regexCache.set(pattern, re);
  }
  return re.test(text);
}

function matches(x: ExpectLine, actual: string): boolean {
  if (!x.match) return true;
  if (x.match.kind === 'regex') return goRegexSearch(x.match.text, actual);
  if (actual === x.match.text) return true;
  return !POSITION_SUFFIX.test(x.match.text) && actual.replace(POSITION_SUFFIX, '') === x.match.text;
}

function withPrefix(prefix: string, msgs: readonly string[]): string[] {
  return [...new Set(msgs.map((m) => (m.startsWith(prefix) ? m : prefix + m)))];
}

function checkKind(cmd: EvalCmd, kind: 'warn' | 'info', actualRaw: readonly string[]): string | null {
  const noun = kind === 'warn' ? 'warning' : 'info';
  const actual = withPrefix(kind === 'warn' ? 'PromQL warning: ' : 'PromQL info: ', actualRaw);
  const lines = cmd.expects.filter((x) => x.type === kind);
  const none = cmd.expects.some((x) => x.type === `no_${kind}`);
  if (cmd.legacy === kind && actual.length === 0) return `expected ${noun} annotations but none were found`;
  if (none && actual.length > 0) return `unexpected ${noun} annotations evaluating query: ${JSON.stringify(actual)}`;
  if (lines.length === 0) return null;
  if (actual.length === 0) return `expected ${noun} annotations but none were found`;
  for (const x of lines)
    if (!actual.some((a) => matches(x, a)))
      return `expected ${noun} annotation matching ${x.match ? `${x.match.kind}: ${x.match.text}` : 'anything'} but got ${JSON.stringify(actual)}`;
  for (const a of actual) if (!lines.some((x) => matches(x, a))) return `unexpected ${noun} annotation ${JSON.stringify(a)}`;
  return null;
}

/** Null when the annotations satisfy the block's `expect warn/info/no_warn/no_info` lines. */
export function checkAnnotations(cmd: EvalCmd, warnings: readonly string[], infos: readonly string[]): string | null {
  return checkKind(cmd, 'warn', warnings) ?? checkKind(cmd, 'info', infos);
}

/** Null when the error message satisfies the block's expected failure. */
export function checkExpectedFailure(cmd: EvalCmd, message: string): string | null {
  if (cmd.legacyFailMessage !== undefined && message !== cmd.legacyFailMessage)
    return `expected error ${JSON.stringify(cmd.legacyFailMessage)}, got ${JSON.stringify(message)}`;
  if (cmd.legacyFailRegexp !== undefined && !goRegexSearch(cmd.legacyFailRegexp, message))
    return `expected error matching pattern ${JSON.stringify(cmd.legacyFailRegexp)}, got ${JSON.stringify(message)}`;
  const x = cmd.expects.find((e) => e.type === 'fail');
  if (x?.match) {
    const ok = x.match.kind === 'msg' ? message === x.match.text : goRegexSearch(x.match.text, message);
    if (!ok) return `expected error ${x.match.kind === 'msg' ? '' : 'matching '}${JSON.stringify(x.match.text)}, got ${JSON.stringify(message)}`;
  }
  return null;
}
