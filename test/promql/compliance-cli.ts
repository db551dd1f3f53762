/**
 * `node --import tsx test/promql/compliance-cli.ts [--json] [--verbose] [--hours H]`
 *
 * The Compliance Tester's 539 queries (testdata/compliance/) as a differential test: Canopy's
 * engine over in-memory data (reference) vs the gateway over an embedded cluster (3 leaves, real
 * gRPC) holding the same synthetic demo_* data; range queries over the last 10 minutes at 10 s.
 * With --json the last stdout line is {"queries":N,"passed":P,"failed":F}.
 */
import { runCompliance } from './compliance.js';
import { COMPLIANCE_END, complianceSeries } from './compliance-data.js';
import { loadComplianceCases } from './compliance-queries.js';
import { engineTarget, GATEWAY_ENGINE_OPTIONS } from './engine-target.js';
import { gatewayTarget } from './gateway-target.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const hi = argv.indexOf('--hours');
  const hours = hi >= 0 ? Number(argv[hi + 1]) : 2;
  const out = json ? (s: string): void => void process.stderr.write(s + '\n') : (s: string): void => void process.stdout.write(s + '\n');
  const data = complianceSeries(hours);
  const reference = engineTarget(GATEWAY_ENGINE_OPTIONS);
  const test = await gatewayTarget();
  try {
    await reference.setData(data);
    await test.setData(data);
    const cases = loadComplianceCases();
    const t0 = performance.now();
    const results = await runCompliance({ cases, reference, test, startMs: COMPLIANCE_END - 600_000, endMs: COMPLIANCE_END, stepMs: 10_000 });
    const failed = results.filter((r) => r.status === 'failed');
    for (const f of verbose ? failed : failed.slice(0, 40)) out(`${f.query}\n    ${f.message}\n`);
    if (!verbose && failed.length > 40) out(`… ${failed.length - 40} more (--verbose)`);
    out(`queries ${results.length}  passed ${results.length - failed.length}  failed ${failed.length}  (${((performance.now() - t0) / 1000).toFixed(1)} s, ${data.length} series)`);
    if (json) process.stdout.write(JSON.stringify({ queries: results.length, passed: results.length - failed.length, failed: failed.length }) + '\n');
  } finally {
    await test.stop();
  }
}

await main();
