/**
 * Prometheus's promqltest scripts through the distributed path: data written through the
 * gateway's Write service onto 3 leaves (ranges split so each script's targets spread over all
 * leaves), queries answered by the gateway (fan-out, raw fetch, merge, engine). Differential:
 * every eval the single-node engine passes must pass through the gateway too.
 *
 * Each `setData` uses a fresh tenant (tenants never see each other's series) and re-splits the
 * ranges at quantiles of that tenant's target keys, so no restart is needed between scripts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './gateway-harness.js';
import { gatewayScriptTarget, runAgainstEngine } from './helpers/gateway-script-target.js';
import { loadEvalIndex, loadScriptFiles } from './promql/suite.js';

/** All scripts by default (≈ 30 s); CANOPY_CONF_FILES=functions,operators narrows the run. */
const FILES = process.env.CANOPY_CONF_FILES ? process.env.CANOPY_CONF_FILES.split(',') : undefined;

describe('promqltest scripts through the gateway (3 leaves)', () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await startCluster({ leaves: 3 });
  });
  afterAll(async () => {
    await c.stop();
  });

  it('passes every eval the single-node engine passes', async () => {
    const files = loadScriptFiles(undefined, FILES);
    const index = loadEvalIndex();
    const { remote, regressions } = await runAgainstEngine(files, index, gatewayScriptTarget(c, { ranges: 3, minKeys: 3 }));
    expect(regressions, regressions.slice(0, 10).join('\n')).toEqual([]);
    if (!FILES) expect(remote.counts.passed).toBeGreaterThan(1000);
  }, 180_000);
});
