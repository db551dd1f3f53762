/**
 * Scenarios shared by the in-memory and the etcd control-plane tests, so both stores are held to
 * the same outcome.
 */
import { expect } from 'vitest';
import { Balancer } from '../../src/balancer/index.js';
import { encodeTuple, formatKey } from '../../src/model/index.js';
import { AckedWriter, checkExactlyOnce, silent, STEP_MS, T0, testSeries, waitFor, type CpCluster } from './etcd-cluster.js';

/** Full count through the gateway: sum of count_over_time over every test series. */
export async function gatewayCount(c: CpCluster, w: AckedWriter): Promise<number> {
  const last = T0 + (w.next - 1) * STEP_MS;
  const q = await c.client.instant({ query: `sum(count_over_time(cp_test[${w.next + 10}s]))`, timeMs: last });
  return q.vector[0]?.value ?? 0;
}

/**
 * History first, then a bounded write loop through the gateway while range r0 moves to a leaf
 * that does not hold it and another range splits at an explicit key; then the full count.
 */
export async function moveAndSplitUnderWrites(c: CpCluster): Promise<void> {
  const w = new AckedWriter(testSeries(12, 2), () => c.client);
  for (let i = 0; i < 4; i++) await w.round(500); // history: 2,000 samples per series
  expect(w.failures).toBe(0);

  const ranges = c.store.ranges();
  const moved = ranges[0]!;
  const from = moved.replicas[0]!.leafId;
  const to = [...c.leaves.keys()].find((id) => !moved.replicas.some((x) => x.leafId === id))!;
  const balancer = new Balancer({ store: c.store, logger: silent, propagationMs: 300, chunkBytes: 64 * 1024 });

  let done = false;
  const writing = w.loop(2_000, 2, () => done);
  await new Promise((r) => setTimeout(r, 100));
  const beforeMove = w.next;
  const move = await balancer.move(moved.id, from, to);
  // Writes were acknowledged while the move ran (each round is one sample of every series).
  expect(w.next - beforeMove).toBeGreaterThanOrEqual(3);
  const splitKey = encodeTuple(['default', 'q']);
  const split = await balancer.split(ranges[1]!.id, splitKey);
  await new Promise((r) => setTimeout(r, 100));
  done = true;
  const rounds = await writing;
  expect(rounds).toBeGreaterThan(5);
  expect(w.failures).toBe(0);

  // r0 held 4 targets × 2 series × 2,000 samples of history, plus live writes.
  expect(move.samples).toBeGreaterThanOrEqual(8 * 2_000);
  expect(move.source).toBe(from);
  // The gateway acknowledged both changes the mover waited on (the barrier never timed out).
  expect(move.barrierTimeouts).toBe(0);
  expect(c.store.gateways().length).toBeGreaterThanOrEqual(1);
  await waitFor(() => c.store.ranges().find((r) => r.id === moved.id)!.epoch === moved.epoch + 3, 3_000, 'move visible');
  const after = c.store.ranges().find((r) => r.id === moved.id)!;
  expect(after.replicas).toEqual([...moved.replicas.filter((x) => x.leafId !== from), { leafId: to, state: 'available' }]);
  expect(formatKey(split.left.end)).toBe(formatKey(splitKey));
  expect(formatKey(split.right.start)).toBe(formatKey(splitKey));
  await waitFor(() => c.store.ranges().length === ranges.length + 1, 3_000, 'split visible');

  const res = await checkExactlyOnce(c, w);
  expect(res).toEqual({ checked: w.total * moved.replicas.length, lost: 0, duplicated: 0 });

  // The old replica deleted the moved range's data (after its drop grace period).
  const oldStore = c.leaves.get(from)!.handle.store;
  await waitFor(() => oldStore.stats('default', [{ start: moved.start, end: moved.end }]).samples === 0, 5_000, 'old replica drops its data');

  expect(await gatewayCount(c, w)).toBe(w.total);
}
