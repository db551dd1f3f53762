/**
 * Lezer `VectorSelector` / `LabelMatchers` / `GroupingLabels` → AST. A metric name written before
 * the braces becomes `name` plus a `__name__="name"` matcher placed FIRST in `matchers`; a quoted
 * name alone in the braces (`{"my.metric"}`) is a `__name__` matcher only (as in Prometheus).
 * Regex matchers are compiled here so a bad regex is a parse error, as in Prometheus.
 */
import type { SyntaxNode } from '@lezer/common';
import { compileAnchoredRegex, RegexSyntaxError, type Matcher, type MatchType } from '../model/index.js';
import type { VectorSelector } from './ast.js';
import { fail, kids, text, tokenAt, type ParseCtx } from './parse-context.js';
import { isValidUtf8String, quoteGoString } from './strings.js';

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

export function stringValue(ctx: ParseCtx, node: SyntaxNode): string {
  const t = tokenAt(ctx, node.from);
  if (!t || t.type !== 'STRING' || typeof t.value !== 'string') fail(ctx, node.from, `unexpected ${text(ctx, node)}`);
  return t.value;
}

function matcher(ctx: ParseCtx, name: string, opNode: SyntaxNode, valueNode: SyntaxNode, pos: number): Matcher {
  const type = MATCH_OPS[kids(opNode)[0]?.name ?? ''];
  if (!type) fail(ctx, opNode.from, `unexpected ${quoteGoString(text(ctx, opNode))} in label matching`);
  const value = stringValue(ctx, valueNode);
  if (type === '=~' || type === '!~') {
    try {
      compileAnchoredRegex(value);
    } catch (e) {
      if (e instanceof RegexSyntaxError) fail(ctx, pos, e.message.startsWith('error parsing regexp') ? e.message : `error parsing regexp: ${e.message}`);
      throw e;
    }
  }
  return { type, name, value };
}

export function convertMatchers(ctx: ParseCtx, node: SyntaxNode): Matcher[] {
  const out: Matcher[] = [];
  for (const m of kids(node)) {
    const ks = kids(m);
    switch (m.name) {
      case 'UnquotedLabelMatcher':
        out.push(matcher(ctx, text(ctx, ks[0]!), ks[1]!, ks[2]!, m.from));
        break;
      case 'QuotedLabelMatcher':
        out.push(matcher(ctx, stringValue(ctx, kids(ks[0]!)[0] ?? ks[0]!), ks[1]!, ks[2]!, m.from));
        break;
      case 'QuotedLabelName':
        out.push({ type: '=', name: '__name__', value: stringValue(ctx, ks[0] ?? m) });
        break;
      default:
        fail(ctx, m.from, `unexpected ${quoteGoString(text(ctx, m))} in label matching, expected identifier or "}"`);
    }
  }
  return out;
}

export function convertVectorSelector(ctx: ParseCtx, node: SyntaxNode): VectorSelector {
  let name: string | undefined;
  let matchers: Matcher[] = [];
  for (const k of kids(node)) {
    if (k.name === 'Identifier') name = text(ctx, k);
    else if (k.name === 'LabelMatchers') matchers = convertMatchers(ctx, k);
  }
  const pos = { start: node.from, end: node.to };
  if (name !== undefined) {
    for (const m of matchers) {
      if (m.name === '__name__') fail(ctx, node.from, `metric name must not be set twice: ${quoteGoString(name)} or ${quoteGoString(m.value)}`);
    }
    return { kind: 'VectorSelector', name, matchers: [{ type: '=', name: '__name__', value: name }, ...matchers], pos };
  }
  return { kind: 'VectorSelector', matchers, pos };
}

/** `by (a, "b.c")` labels. */
export function convertGroupingLabels(ctx: ParseCtx, node: SyntaxNode): string[] {
  const out: string[] = [];
  for (const k of kids(node)) {
    const label = k.name === 'QuotedLabelName' ? stringValue(ctx, kids(k)[0] ?? k) : text(ctx, k);
    if (label === '' || !isValidUtf8String(label)) fail(ctx, k.from, `invalid label name for grouping: ${quoteGoString(label)}`);
    out.push(label);
  }
  return out;
}
