/**
 * The PromQL Compliance Tester's query list (testdata/compliance/promql-test-queries.yml, from
 * github.com/prometheus/compliance, Apache-2.0): `{{.name}}` placeholders expanded over the
 * tester's built-in value lists (FORMAT.md §10), cross product for several placeholders.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { TESTDATA_DIR } from './suite.js';

export const VARIANT_VALUES: Record<string, readonly string[]> = {
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

export interface ComplianceCase {
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

export function expandComplianceCases(yamlText: string): ComplianceCase[] {
  const doc = parseYaml(yamlText, { uniqueKeys: false }) as { test_cases: RawCase[] };
  const out: ComplianceCase[] = [];
  for (const c of doc.test_cases) {
    let queries = [c.query];
    for (const arg of c.variant_args ?? []) {
      const values = VARIANT_VALUES[arg];
      if (!values) throw new Error(`unknown variant arg ${arg}`);
      queries = queries.flatMap((q) => values.map((v) => q.split(`{{.${arg}}}`).join(v)));
    }
    for (const query of queries) out.push({ query, shouldFail: c.should_fail === true, skipComparison: c.skip_comparison === true });
  }
  return out;
}

export function loadComplianceCases(dir = path.join(TESTDATA_DIR, 'compliance')): ComplianceCase[] {
  return expandComplianceCases(readFileSync(path.join(dir, 'promql-test-queries.yml'), 'utf8'));
}
