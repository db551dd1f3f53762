/**
 * The Compliance Tester's query list as a differential test of the distributed path: the engine
 * over memory vs the gateway (3 leaves, real gRPC) on the same synthetic demo_* data. Ratchet:
 * `compliance_differential` in floor.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffMatrices, runCompliance } from './compliance.js';
import { COMPLIANCE_END, complianceSeries } from './compliance-data.js';
import { expandComplianceCases, loadComplianceCases } from './compliance-queries.js';
import { engineTarget, GATEWAY_ENGINE_OPTIONS } from './engine-target.js';
import { gatewayTarget, type GatewayTarget } from './gateway-target.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const floor = (JSON.parse(readFileSync(path.join(here, 'floor.json'), 'utf8')) as { compliance_differential: number }).compliance_differential;

describe('compliance query list', () => {
  it('expands placeholders over the tester value lists (cross product)', () => {
    const cases = expandComplianceCases(
      "test_cases:\n  - query: 'a'\n  - query: '{{.topBottomOp}}(1, x[{{.range}}])'\n    variant_args: ['topBottomOp', 'range']\n  - query: 'b'\n    should_fail: true\n",
    );
    expect(cases).toHaveLength(1 + 2 * 6 + 1);
    expect(cases[1]!.query).toBe('topk(1, x[1s])');
    expect(cases.at(-1)).toEqual({ query: 'b', shouldFail: true, skipComparison: false });
    expect(loadComplianceCases()).toHaveLength(539);
  });

  it('compares matrices like the tester (labels, timestamps, relative 1e-5, NaN = NaN)', () => {
    const s = (v: number[], name = 'm') => ({ labels: [{ name: '__name__', value: name }], t: Float64Array.from(v.map((_, i) => i)), v: Float64Array.from(v) });
    expect(diffMatrices([s([1, NaN])], [s([1.000001, NaN])])).toBeNull();
    expect(diffMatrices([s([1])], [s([1.0001])])).toMatch(/expected 1/);
    expect(diffMatrices([s([0])], [s([1e-300])])).toMatch(/expected 0/);
    expect(diffMatrices([s([1])], [s([1, 2])])).toMatch(/points/);
    expect(diffMatrices([s([1])], [s([1]), s([1], 'n')])).toMatch(/unexpected series/);
  });

  describe('engine vs gateway', () => {
    let gw: GatewayTarget;
    beforeAll(async () => {
      gw = await gatewayTarget();
    });
    afterAll(async () => {
      await gw?.stop();
    });
    it(`agree on at least ${floor} of the 539 queries`, async () => {
      const data = complianceSeries(2);
      const reference = engineTarget(GATEWAY_ENGINE_OPTIONS);
      await reference.setData(data);
      await gw.setData(data);
      const results = await runCompliance({ cases: loadComplianceCases(), reference, test: gw, startMs: COMPLIANCE_END - 600_000, endMs: COMPLIANCE_END, stepMs: 10_000 });
      const failed = results.filter((r) => r.status === 'failed');
      const passed = results.length - failed.length;
      expect(passed, failed.slice(0, 5).map((f) => `${f.query}: ${f.message}`).join('\n')).toBeGreaterThanOrEqual(floor);
    }, 110_000);
  });
});
