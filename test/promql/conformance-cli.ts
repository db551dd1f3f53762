/**
 * `npm run conformance -- [--json] [--file NAME]… [--line N]… [--verbose] [--no-variants]
 *  [--no-range-check] [--target engine|gateway] [--dir DIR] [--report PATH] [--md PATH [--note TEXT]…]`
 *
 * Runs Prometheus's promqltest scripts against Canopy's engine over in-memory data (default), or
 * with `--target gateway` through an embedded cluster (3 leaves + gateway, real gRPC on loopback). Prints each
 * failing case (`file:line`, query, expected vs got or the error) — all of them with --verbose,
 * the first 40 otherwise — and the per-file table; the full failure report is written to
 * tmp/conformance-report.txt (or --report). With --json the last stdout line is
 * `{"cases":N,"passed":P,"failed":F,"skipped":S,"skipped_reasons":{…}}`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatExpr, parse } from '../../src/promql/index.js';
import { engineTarget } from './engine-target.js';
import { failureText, fileTable, markdownSummary, summaryJson } from './report.js';
import { runScripts } from './runner.js';
import { loadEvalIndex, loadScriptFiles, TESTDATA_DIR } from './suite.js';
import type { QueryTarget } from './target.js';

function argValues(argv: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) if (argv[i] === flag && i + 1 < argv.length) out.push(argv[++i]!);
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const only = argValues(argv, '--file').flatMap((s) => s.split(','));
  const lineFilter = argValues(argv, '--line').map(Number);
  const dir = argValues(argv, '--dir')[0] ?? TESTDATA_DIR;
  const reportPath = argValues(argv, '--report')[0] ?? 'tmp/conformance-report.txt';
  const mdPath = argValues(argv, '--md')[0];
  const files = loadScriptFiles(dir, only.length ? only : undefined);
  if (files.length === 0) {
    process.stderr.write(`no .test files matched in ${dir}\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const targetName = argValues(argv, '--target')[0] ?? 'engine';
  if (targetName !== 'engine' && targetName !== 'gateway') {
    process.stderr.write(`--target must be engine or gateway\n`);
    process.exit(2);
  }
  // Loaded lazily: the engine run must not depend on the distributed code paths importing cleanly.
  const gw = targetName === 'gateway' ? await (await import('./gateway-target.js')).gatewayTarget() : null;
  const inner: QueryTarget = gw ?? engineTarget();
  const calls = { instant: 0, range: 0 };
  const target: QueryTarget = {
    setData: (s) => inner.setData(s),
    instant: (q, t) => (calls.instant++, inner.instant(q, t)),
    range: (q, s, e, st) => (calls.range++, inner.range(q, s, e, st)),
  };
  const res = await runScripts(files, {
    target,
    parse,
    format: formatExpr,
    index: loadEvalIndex(dir),
    variants: !argv.includes('--no-variants'),
    rangeCheck: !argv.includes('--no-range-check'),
    ...(lineFilter.length ? { filter: (_f: string, l: number) => lineFilter.includes(l) } : {}),
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  await gw?.stop();
  const failed = res.cases.filter((c) => c.status === 'failed');
  const out = json ? (s: string): void => void process.stderr.write(s + '\n') : (s: string): void => void process.stdout.write(s + '\n');
  const shown = verbose ? failed : failed.slice(0, 40);
  for (const f of shown) out(failureText(f) + '\n');
  if (shown.length < failed.length) out(`… ${failed.length - shown.length} more failures: see ${reportPath} (or --verbose)\n`);
  out(fileTable(res.cases));
  const c = res.counts;
  out(`\ncases ${c.cases}  passed ${c.passed}  failed ${c.failed}  skipped ${c.skipped} ${JSON.stringify(c.skipped_reasons)}`);
  out(`${calls.instant} instant + ${calls.range} range queries in ${secs} s`);
  mkdirSync(path.dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, failed.map(failureText).join('\n\n') + '\n');
  out(`full failure report: ${reportPath}`);
  if (mdPath) {
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      /* not a git checkout */
    }
    const command = `npm run conformance -- ${argv.join(' ')}`.trim();
    const notes = [
      `Target: ${targetName}. ${calls.instant} instant + ${calls.range} range queries in ${secs} s.`,
      'start_timestamps.test: the runner parses `@st` load lines, but the storage contract (`Series`: labels, t, v) has no start-timestamp column, so start timestamps never reach the engine; its float evals run and most fail until the contract carries them.',
      'A PromQL parse error fails only its own eval here (upstream would reject the whole file).',
      ...argValues(argv, '--note'),
    ];
    writeFileSync(mdPath, markdownSummary(res.cases, c, { command, when: new Date().toISOString(), commit, notes }));
    out(`markdown summary: ${mdPath}`);
  }
  if (json) process.stdout.write(summaryJson(c) + '\n');
}

await main();
