/**
 * The first range assignment of a cluster backed by a shared store: `initialRanges` over the
 * registered leaves, committed only if no range exists yet (r0 is always present once a cluster
 * is bootstrapped: splits keep the left id, moves keep ids), so concurrent starters agree.
 */
import { initialRanges, type AssignmentStore, type RangeAssignment } from '../shard/index.js';

export async function bootstrapRanges(store: AssignmentStore, leafIds: readonly string[], replicationFactor = 1): Promise<RangeAssignment[]> {
  const fresh = initialRanges([...leafIds], { replicationFactor });
  await store.updateRanges(
    fresh.map((r) => r.id),
    (cur) => (cur.has('r0') ? undefined : { put: fresh }),
  );
  return store.ranges();
}
