/**
 * The compliance tester's whole query list (539 range queries) against a real Prometheus 2.42
 * and a local multi-process Canopy cluster loaded with the same data through remote write
 * (run.ts). Every difference must be a documented, verified version difference
 * (known-differences.ts). Skipped when Debian's `prometheus` is not installed.
 */
import { describe, expect, it } from 'vitest';
import { KNOWN_DIFFERENCES } from './known-differences.js';
import { prometheusAvailable } from './prometheus.js';
import { report, runCompliance } from './run.js';

describe.skipIf(!prometheusAvailable())('PromQL compliance vs real Prometheus', () => {
  it('answers the compliance query list as Prometheus does, up to documented version differences', async () => {
    const s = await runCompliance();
    const lines: string[] = [];
    report(s, (l) => lines.push(l));
    expect(s.queries).toBe(539);
    expect(s.failed, lines.join('\n')).toBe(0);
    expect(s.passed + s.known_differences).toBe(s.queries);
    // Only documented differences, and few of them.
    for (const id of Object.keys(s.knownCounts)) expect(KNOWN_DIFFERENCES.map((d) => d.id)).toContain(id);
    expect(s.known_differences).toBeLessThanOrEqual(10);
  }, 240_000); // ≈ 30 s alone; generous for a loaded 2-core machine
});
