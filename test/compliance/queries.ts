/**
 * The compliance tester's query list (../shared/promql-testdata/compliance/promql-test-queries.yml),
 * expanded as the tester does (FORMAT.md section 10): each `{{.name}}` listed in `variant_args`
 * is replaced by every value of its built-in list, several placeholders giving the cross product.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const QUERY_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/promql-testdata/compliance/promql-test-queries.yml');

export const VARIANT_VALUES: Record<string, string[]> = {
  range: ['1s', '15s', '1m', '5m', '15m', '1h'],
  offset: ['1m', '5m', '10m'],
  simpleAggrOp: ['sum', 'avg', 'max', 'min', 'count', 'stddev', 'stdvar'],
  simpleTimeAggrOp: ['sum', 'avg', 'max', 'min', 'count', 'stddev', 'stdvar', 'absent', 'last'],
  topBottomOp: ['topk', 'bottomk'],
  quantile: ['-0.5', '0.1', '0.5', '0.75', '0.95', '0.90', '0.99', '1', '1.5'],
  arithBinOp: ['+', '-', '*', '/', '%', '^'],
  compBinOp: ['==', '!=', '<', '>', '<=', '>='],
  binOp: ['+', '-', '*', '/', '%', '^', '==', '!=', '<', '>', '<=', '>='],
  simpleMathFunc: ['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'round'],
  extrapolatedRateFunc: ['delta', 'rate', 'increase'],
  clampFunc: ['clamp_min', 'clamp_max'],
  instantRateFunc: ['idelta', 'irate'],
  dateFunc: ['day_of_month', 'day_of_week', 'days_in_month', 'hour', 'minute', 'month', 'year'],
  smoothingFactor: ['0.1', '0.5', '0.8'],
  trendFactor: ['0.1', '0.5', '0.8'],
};

export interface TestCase {
  query: string;
  shouldFail: boolean;
  skipComparison: boolean;
}

interface RawCase {
  query: string;
  variant_args?: string[];
  should_fail?: boolean;
  skip_comparison?: boolean;
}

export function loadTestCases(file = QUERY_FILE): TestCase[] {
  const doc = parse(readFileSync(file, 'utf8'), { uniqueKeys: false }) as { test_cases: RawCase[] };
  const out: TestCase[] = [];
  for (const c of doc.test_cases) {
    let queries = [c.query];
    for (const arg of c.variant_args ?? []) {
      const values = VARIANT_VALUES[arg];
      if (!values) throw new Error(`unknown variant arg ${arg}`);
      queries = queries.flatMap((q) => values.map((v) => q.split(`{{.${arg}}}`).join(v)));
    }
    for (const q of queries) out.push({ query: q, shouldFail: c.should_fail === true, skipComparison: c.skip_comparison === true });
  }
  return out;
}
