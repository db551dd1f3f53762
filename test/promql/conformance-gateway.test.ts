/**
 * The same scripts through the distributed path: an embedded cluster (3 leaves + gateway, real
 * gRPC on loopback). To stay quick it runs the float-only files without histogram data; the full
 * run is `npm run conformance -- --target gateway`. Ratchet: `gateway_subset` in floor.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatExpr, parse } from '../../src/promql/index.js';
import { gatewayTarget, type GatewayTarget } from './gateway-target.js';
import { runScripts } from './runner.js';
import { loadEvalIndex, loadScriptFiles } from './suite.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const floor = (JSON.parse(readFileSync(path.join(here, 'floor.json'), 'utf8')) as { gateway_subset: number }).gateway_subset;
export const GATEWAY_SUBSET = ['at_modifier', 'subquery', 'duration_expression', 'trig_functions', 'literals', 'staleness', 'selectors'];

describe('promqltest conformance through the gateway (subset)', () => {
  let target: GatewayTarget;
  beforeAll(async () => {
    target = await gatewayTarget();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it(`passes at least ${floor} evals of ${GATEWAY_SUBSET.join(', ')}`, async () => {
    const res = await runScripts(loadScriptFiles(undefined, GATEWAY_SUBSET), { target, parse, format: formatExpr, index: loadEvalIndex() });
    const c = res.counts;
    expect(c.cases).toBe(256);
    expect(c.passed, `passed ${c.passed} < floor ${floor}; failed ${c.failed}`).toBeGreaterThanOrEqual(floor);
  }, 110_000);
});
