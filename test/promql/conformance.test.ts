/**
 * The whole promqltest suite against the engine over in-memory data. Fails if fewer evals pass
 * than the committed floor (floor.json, a ratchet) — raise the floor when the engine improves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatExpr, parse } from '../../src/promql/index.js';
import { engineTarget } from './engine-target.js';
import { runScripts } from './runner.js';
import { loadEvalIndex, loadScriptFiles } from './suite.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const floor = (JSON.parse(readFileSync(path.join(here, 'floor.json'), 'utf8')) as { passed: number }).passed;

describe('promqltest conformance (Prometheus v3.14.0 scripts)', () => {
  it(`passes at least the committed floor of ${floor} evals`, async () => {
    const res = await runScripts(loadScriptFiles(), { target: engineTarget(), parse, format: formatExpr, index: loadEvalIndex() });
    const c = res.counts;
    // Every eval is accounted for, and only native-histogram evals are skipped.
    expect(c.cases).toBe(2195);
    expect(c.passed + c.failed + c.skipped).toBe(c.cases);
    for (const r of Object.keys(c.skipped_reasons)) expect(['native_histogram', 'nhcb', 'native_histogram_runtime']).toContain(r);
    expect(c.passed, `passed ${c.passed} < floor ${floor}; failed ${c.failed}`).toBeGreaterThanOrEqual(floor);
  }, 110_000);
});
