/**
 * Benchmark dispatcher: `npm run bench -- NAME [--json] [args…]`.
 *
 * Each benchmark is bench/NAME.ts exporting
 *   `run(opts: BenchOptions): Promise<BenchResult>`
 * It returns rows for a readable table and a flat summary object (the keys its issue names).
 * Without --json the table and the summary are printed; with --json the table goes to stderr and
 * stdout's last line is the summary as one JSON object.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchOptions {
  json: boolean;
  args: string[];
  /** Progress lines (stderr), never on stdout's last line. */
  log: (line: string) => void;
}

export interface BenchResult {
  title: string;
  rows: Record<string, string | number>[];
  summary: Record<string, unknown>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function printTable(title: string, rows: Record<string, string | number>[], out: (s: string) => void): void {
  out(`\n${title}`);
  if (rows.length === 0) return;
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const fmt = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4)) : String(v ?? ''));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c]).length)));
  out(cols.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) out(cols.map((c, i) => (typeof r[c] === 'number' ? fmt(r[c]).padStart(widths[i]!) : fmt(r[c]).padEnd(widths[i]!))).join('  '));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const name = rest.shift();
  const available = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('lib-'))
    .map((f) => f.slice(0, -3));
  if (!name || !available.includes(name)) {
    process.stderr.write(`usage: npm run bench -- NAME [--json]\navailable: ${available.join(', ')}\n`);
    process.exit(2);
  }
  const file = path.join(here, `${name}.ts`);
  if (!existsSync(file)) throw new Error(`no benchmark ${name}`);
  const mod = (await import(file)) as { run(o: BenchOptions): Promise<BenchResult> };
  const log = (line: string): void => void process.stderr.write(line + '\n');
  const res = await mod.run({ json, args: rest, log });
  const tableOut = json ? log : (s: string): void => void process.stdout.write(s + '\n');
  printTable(res.title, res.rows, tableOut);
  if (json) process.stdout.write(JSON.stringify(res.summary) + '\n');
  else process.stdout.write('\n' + JSON.stringify(res.summary, null, 2) + '\n');
  process.exit(0);
}

await main();
