/**
 * Reports of a conformance run: the one-line JSON summary, a readable failure list
 * (`file:line`, query, expected vs got), and a markdown summary by category for the engine team.
 */
import type { CaseResult, SuiteCounts } from './runner.js';

export function summaryJson(c: SuiteCounts): string {
  return JSON.stringify({ cases: c.cases, passed: c.passed, failed: c.failed, skipped: c.skipped, skipped_reasons: c.skipped_reasons });
}

function indent(s: string, pad = '      '): string {
  return s.split('\n').map((l) => pad + l).join('\n');
}

/** One block per failing case. */
export function failureText(c: CaseResult): string {
  const f = c.failure!;
  const lines = [`${c.file}:${c.line}  ${c.kind} ${c.expr}`];
  if (f.stage !== 'main') lines.push(`    stage:    ${f.stage}`);
  if (f.query !== c.expr) lines.push(`    query:    ${f.query}`);
  lines.push(`    error:    ${f.message}`);
  if (f.expected !== undefined) lines.push(`    expected:\n${indent(f.expected)}`);
  if (f.got !== undefined) lines.push(`    got:\n${indent(f.got)}`);
  return lines.join('\n');
}

export function fileTable(cases: readonly CaseResult[]): string {
  const by = new Map<string, { n: number; p: number; f: number; s: number }>();
  for (const c of cases) {
    let e = by.get(c.file);
    if (!e) by.set(c.file, (e = { n: 0, p: 0, f: 0, s: 0 }));
    e.n++;
    if (c.status === 'passed') e.p++;
    else if (c.status === 'failed') e.f++;
    else e.s++;
  }
  const rows = ['| file | cases | passed | failed | skipped (NH) |', '|---|---|---|---|---|'];
  for (const [file, e] of [...by].sort()) rows.push(`| ${file} | ${e.n} | ${e.p} | ${e.f} | ${e.s} |`);
  return rows.join('\n');
}

/** A failure message with names and numbers blanked, so similar failures group together. */
export function signature(c: CaseResult): string {
  const f = c.failure!;
  let m = f.message
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\{[^{}]*\}/g, '{…}')
    .replace(/[a-zA-Z_:][a-zA-Z0-9_:]*\{…\}/g, 'M{…}')
    .replace(/-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, 'N')
    .replace(/\[[^\]]*\]/g, '[…]')
    .replace(/\(\/[^)]*\)/g, '')
    .replace(/\+Inf|-Inf|NaN/g, 'N');
  if (m.length > 140) m = m.slice(0, 140) + '…';
  const stage = f.stage.startsWith('@ variant') ? '@variant: ' : f.stage.includes('range check') ? 'range-check: ' : f.stage === 'main' ? '' : `${f.stage}: `;
  return stage + m;
}

export function markdownSummary(cases: readonly CaseResult[], c: SuiteCounts, meta: { command: string; when: string; commit: string; notes?: string[] }): string {
  const failed = cases.filter((x) => x.status === 'failed');
  const out: string[] = [];
  out.push('# PromQL conformance failures (upstream promqltest scripts v3.14.0)');
  out.push('');
  out.push(`Generated ${meta.when} at commit ${meta.commit} by \`${meta.command}\`.`);
  out.push('Engine: `Engine` (src/engine) over a `MemoryQuerier`; every instant eval also runs its `@` variants and a range-mode cross-check (FORMAT.md §6.3).');
  out.push('Only native-histogram evals are skipped. Re-run one file: `npm run conformance -- --file NAME --verbose`.');
  out.push('');
  out.push(`**cases ${c.cases} · passed ${c.passed} · failed ${c.failed} · skipped ${c.skipped}** ${JSON.stringify(c.skipped_reasons)}`);
  out.push('');
  for (const n of meta.notes ?? []) out.push(`- ${n}`);
  if (meta.notes?.length) out.push('');
  out.push('## Per file');
  out.push('');
  out.push(fileTable(cases));
  out.push('');
  out.push('## Failures by kind (message with names/numbers blanked)');
  out.push('');
  const bySig = new Map<string, CaseResult[]>();
  for (const f of failed) {
    const s = signature(f);
    bySig.set(s, [...(bySig.get(s) ?? []), f]);
  }
  out.push('| count | kind | examples |');
  out.push('|---|---|---|');
  for (const [s, list] of [...bySig].sort((a, b) => b[1].length - a[1].length)) {
    const ex = list.slice(0, 4).map((x) => `${x.file}:${x.line}`).join(', ');
    out.push(`| ${list.length} | ${s.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | ${ex} |`);
  }
  out.push('');
  out.push('## Failures by feature tag (eval-index.tsv)');
  out.push('');
  const byTag = new Map<string, { f: number; n: number }>();
  for (const x of cases) {
    if (x.status === 'skipped') continue;
    for (const t of x.features.length ? x.features : ['(none)']) {
      const e = byTag.get(t) ?? { f: 0, n: 0 };
      e.n++;
      if (x.status === 'failed') e.f++;
      byTag.set(t, e);
    }
  }
  out.push('| tag | failed / run |');
  out.push('|---|---|');
  for (const [t, e] of [...byTag].sort((a, b) => b[1].f - a[1].f)) out.push(`| ${t} | ${e.f} / ${e.n} |`);
  out.push('');
  out.push('## Slowest evals (all queries of the eval: main, `@` variants, range checks)');
  out.push('');
  out.push('| ms | eval |');
  out.push('|---|---|');
  for (const x of [...cases].sort((a, b) => b.ms - a.ms).slice(0, 10)) out.push(`| ${x.ms.toFixed(1)} | ${x.file}:${x.line} \`${x.expr.replace(/\|/g, '\\|')}\` |`);
  out.push('');
  out.push('## Every failing case');
  out.push('');
  out.push('```');
  for (const f of failed) out.push(failureText(f), '');
  out.push('```');
  return out.join('\n') + '\n';
}
