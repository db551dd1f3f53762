/**
 * Differential test of distributed planning: ≥ 500 seeded random queries (selectors, range and
 * per-series functions, every aggregation and grouping shape, binary operations, offsets, `@`,
 * subqueries, histogram_quantile), instant and range, through the gateway of a 4-leaf cluster
 * with many ranges — pushdown on — against the single-node engine over the union of the data.
 * Equal within 1e-9 relative, NaN = NaN, label sets equal, order where PromQL defines it; when
 * the single node fails, the gateway must fail with the same message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type QueryOutput } from '../src/engine/index.js';
import { parse } from '../src/promql/index.js';
import { planDistributed } from '../src/planner/index.js';
import { startDiffCluster, type DiffCluster } from './differential-cluster.js';
import { compareNorm, compareValuesOnly, fromEngine, fromResponse } from './differential-compare.js';
import { rng } from '../bench/lib-prng.js';
import { QueryGen, randomData } from './differential-gen.js';

const shape = (m: string): string => m.replace(/\{[^}]*\}/g, '{…}').replace(/\[[^\]]*\]/g, '[…]');

const SEED = Number(process.env.CANOPY_DIFF_SEED ?? 20261120);
const QUERIES = Number(process.env.CANOPY_DIFF_QUERIES ?? 520);

describe('differential: gateway with pushdown = single-node engine', () => {
  let c: DiffCluster;
  beforeAll(async () => {
    c = await startDiffCluster(randomData(SEED));
  }, 60_000);
  afterAll(async () => {
    await c?.stop();
  });

  it(`${QUERIES} random queries (seed ${SEED}) give the same answers`, async () => {
    const gen = new QueryGen(rng(SEED + 1));
    const engine = new Engine();
    const failures: string[] = [];
    let errors = 0;
    let pushed = 0;
    let ties = 0;
    for (let i = 0; i < QUERIES; i++) {
      const q = gen.next();
      let want: QueryOutput | undefined;
      let wantErr: string | undefined;
      try {
        want = q.kind === 'instant' ? await engine.instant(c.reference, q.query, q.timeMs) : await engine.range(c.reference, q.query, q.startMs, q.endMs, q.stepMs);
      } catch (e) {
        wantErr = (e as Error).message;
      }
      if (wantErr === undefined) {
        const p = planDistributed(q.query, parse(q.query), { targetLabels: ['job', 'instance'], startMs: q.startMs, endMs: q.endMs, stepMs: q.stepMs, defaultSubqueryStepMs: 60_000 });
        if (p.fragments.length > 0) pushed++;
      }
      const tag = `#${i} ${q.kind} ${q.query}`;
      try {
        const res = q.kind === 'instant' ? await c.client.instant(q.query, q.timeMs) : await c.client.range(q.query, q.startMs, q.endMs, q.stepMs);
        if (wantErr !== undefined) {
          failures.push(`${tag}: gateway answered, single node failed with ${wantErr}`);
          continue;
        }
        const ordered = /^sort(_desc|_by_label|_by_label_desc)?\(/.test(q.query);
        const diff = compareNorm(fromEngine(want!), fromResponse(res), ordered && q.kind === 'instant');
        if (diff && /^(topk|bottomk)\b/.test(q.query) && compareValuesOnly(fromEngine(want!), fromResponse(res)) === null) ties++;
        else if (diff) failures.push(`${tag}: ${diff}`);
        const wantInfos = [...want!.infos].sort();
        const gotInfos = [...res.infos].sort();
        if (JSON.stringify(wantInfos) !== JSON.stringify(gotInfos)) failures.push(`${tag}: infos ${JSON.stringify(gotInfos)}, want ${JSON.stringify(wantInfos)}`);
      } catch (e) {
        const msg = (e as Error).message;
        if (wantErr === undefined) failures.push(`${tag}: gateway failed with ${msg}`);
        else {
          errors++;
          // Which duplicate group an error names depends on evaluation order: compare the rest.
          if (!shape(msg).includes(shape(wantErr))) failures.push(`${tag}: gateway error ${JSON.stringify(msg)}, want ${JSON.stringify(wantErr)}`);
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([]);
    // topk/bottomk at the root that kept other series among equal values (same values kept).
    expect(ties).toBeLessThan(QUERIES * 0.02);
    // The generator must exercise pushdown and mostly produce valid queries.
    expect(pushed).toBeGreaterThan(QUERIES * 0.6);
    expect(errors).toBeLessThan(QUERIES * 0.2);
  }, 300_000);
});
