/** A durable leaf times every WAL fdatasync into canopy_leaf_wal_fsync_seconds. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startLeaf } from '../src/leaf/index.js';
import { LeafClient } from '../src/rpc/index.js';
import { labelsFromRecord } from '../src/model/index.js';

/** A histogram's values carry their series name at run time (`_count`, `_sum`, `_bucket`). */
type NamedValues = { values: { metricName?: string; value: number }[] };
async function histogram(leaf: { metrics: { registry: { getSingleMetric(n: string): unknown } } }): Promise<NamedValues> {
  const m = leaf.metrics.registry.getSingleMetric('canopy_leaf_wal_fsync_seconds') as { get(): Promise<NamedValues> };
  return m.get();
}

const dir = mkdtempSync(path.join(tmpdir(), 'canopy-wal-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAL fsync latency metric', () => {
  it('observes one duration per group commit under fsync always', async () => {
    const leaf = await startLeaf({ id: 'walm', dataDir: dir, fsync: 'always', logger: pino({ level: 'silent' }) });
    const client = new LeafClient(leaf.address);
    try {
      for (let i = 0; i < 5; i++) {
        const res = await client.write('t', [{ labels: labelsFromRecord({ __name__: 'm', job: 'a' }), t: [1000 * (i + 1)], v: [i] }]);
        expect(res.acceptedSamples).toBe(1);
      }
      const metric = await histogram(leaf);
      const count = metric.values.find((v) => v.metricName === 'canopy_leaf_wal_fsync_seconds_count')!.value;
      expect(count).toBeGreaterThanOrEqual(5); // five sequential acknowledged writes, each synced
      const sum = metric.values.find((v) => v.metricName === 'canopy_leaf_wal_fsync_seconds_sum')!.value;
      expect(sum).toBeGreaterThan(0);
    } finally {
      client.close();
      await leaf.stop();
    }
  });

  it('stays empty for a memory-only leaf', async () => {
    const leaf = await startLeaf({ id: 'walm-mem', logger: pino({ level: 'silent' }) });
    try {
      const metric = await histogram(leaf);
      expect(metric.values.find((v) => v.metricName === 'canopy_leaf_wal_fsync_seconds_count')!.value).toBe(0);
    } finally {
      await leaf.stop();
    }
  });
});
