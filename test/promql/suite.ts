/**
 * The committed copy of Prometheus v3.14.0's promqltest scripts (testdata/, verbatim, Apache-2.0;
 * provenance in testdata/SOURCE.txt) and its eval index, loaded for the CLI and the vitest suite.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEvalIndex, type EvalIndex } from './classify.js';
import type { ScriptFile } from './runner.js';

export const TESTDATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

/** The `.test` files of `dir` (default: the committed copy), sorted by name; `only` filters by name (with or without `.test`). */
export function loadScriptFiles(dir = TESTDATA_DIR, only?: readonly string[]): ScriptFile[] {
  const want = only?.map((n) => (n.endsWith('.test') ? n : `${n}.test`));
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test') && (!want || want.includes(f)))
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
}

export function loadEvalIndex(dir = TESTDATA_DIR): EvalIndex {
  return parseEvalIndex(readFileSync(path.join(dir, 'eval-index.tsv'), 'utf8'));
}
