/**
 * Smoke test over the PromQL Compliance Tester's query list (FORMAT.md §10): every expanded query
 * runs as a range query against synthetic data shaped like the PromLabs demo service. There is no
 * reference Prometheus here, so this checks that each query evaluates without an internal error
 * (a crash, a TypeError) and that the `should_fail` ones fail with a Canopy error.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/index.js';
import { CanopyError, labelsFromRecord, MemoryQuerier, type Series } from '../src/model/index.js';
import { loadComplianceCases } from './promql/compliance-queries.js';

/**
 * The list predates Prometheus 3's UTF-8 label names: "~invalid" is a valid label name now
 * (upstream validates with model.UTF8Validation), so these succeed in Prometheus 3 too.
 */
const VALID_SINCE_PROMETHEUS_3 = new Set([
  'label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")',
  'label_join(demo_num_cpus, "~invalid", "-", "instance")',
]);

const STEP = 5_000;
const END = 2 * 3_600_000;
const N = END / STEP + 1;

function demoData(): Series[] {
  const out: Series[] = [];
  const t = Float64Array.from({ length: N }, (_, i) => i * STEP);
  const add = (rec: Record<string, string>, f: (i: number) => number, keep: (i: number) => boolean = () => true) => {
    const idx = [...Array(N).keys()].filter(keep);
    out.push({ labels: labelsFromRecord(rec), t: Float64Array.from(idx, (i) => t[i]!), v: Float64Array.from(idx, f) });
  };
  for (let k = 0; k < 3; k++) {
    const base = { instance: `demo.promlabs.com:1000${k}`, job: 'demo' };
    ['buffers', 'cached', 'free', 'used'].forEach((type, j) => add({ __name__: 'demo_memory_usage_bytes', ...base, type }, (i) => 1e9 * (j + 1) + 1e6 * Math.sin(i / 50 + k)));
    ['idle', 'system', 'user'].forEach((mode, j) => add({ __name__: 'demo_cpu_usage_seconds_total', ...base, mode }, (i) => ((i * (j + 1) * 0.3) % 5000) + k));
    add({ __name__: 'demo_num_cpus', ...base }, () => 4 + k);
    add({ __name__: 'demo_disk_usage_bytes', ...base }, (i) => 1e10 + i * 1000);
    add({ __name__: 'demo_batch_last_success_timestamp_seconds', ...base }, (i) => Math.floor((i * STEP) / 600_000) * 600);
    add({ __name__: 'demo_intermittent_metric', ...base }, () => 1, (i) => Math.floor(i / 100) % 2 === 0);
    for (const method of ['GET', 'POST']) {
      for (const path of ['/api/foo', '/api/bar']) {
        const labels = { ...base, method, path, status: '200' };
        let cum = 0;
        for (const le of ['0.01', '0.1', '1', '10', '+Inf']) {
          cum += 1;
          const c = cum;
          add({ __name__: 'demo_api_request_duration_seconds_bucket', ...labels, le }, (i) => i * c);
        }
        add({ __name__: 'demo_api_request_duration_seconds_count', ...labels }, (i) => i * cum);
        add({ __name__: 'demo_api_request_duration_seconds_sum', ...labels }, (i) => i * 0.7);
      }
    }
  }
  return out;
}

describe('compliance query list (smoke)', () => {
  const queries = loadComplianceCases().map((c) => ({ q: c.query, fail: c.shouldFail && !VALID_SINCE_PROMETHEUS_3.has(c.query) }));
  const querier = new MemoryQuerier(demoData());
  const engine = new Engine();

  it('expands to the documented 539 queries', () => {
    expect(queries).toHaveLength(539);
  });

  it('evaluates every query without an internal error; should_fail queries fail', async () => {
    const problems: string[] = [];
    for (const { q, fail } of queries) {
      try {
        await engine.range(querier, q, END - 600_000, END, 10_000);
        if (fail) problems.push(`expected failure: ${q}`);
      } catch (e) {
        if (!(e instanceof CanopyError)) problems.push(`internal error for ${q}: ${(e as Error).stack}`);
        else if (!fail) problems.push(`unexpected ${e.name} for ${q}: ${e.message}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
