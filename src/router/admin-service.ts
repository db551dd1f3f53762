/**
 * The Admin gRPC service: leaves (with a live Status probe), the range assignment with sizes from
 * load reports, and the operator's range operations (split, move, drain) run against the
 * gateway's assignment store through a `Balancer` that is not campaigning (no loop): it only
 * serialises operations per range within this gateway; across processes the store's
 * transactions keep concurrent changes safe.
 */
import { gatewayServiceError } from './service-error.js';
import { DEFAULT_TENANT, encodeTuple, formatKey, InvalidArgumentError } from '../model/index.js';
import { fromServiceError } from '../rpc/index.js';
import { Balancer, MoveError, rangeLoads, type MoveOutcome } from '../balancer/index.js';
import type { RangeAssignment, RangeLoad } from '../shard/index.js';
import type { AdminHandlers } from '../rpc/gen/canopy/v1/Admin.js';
import type { LeafInfo } from '../rpc/gen/canopy/v1/LeafInfo.js';
import type { RangeInfo } from '../rpc/gen/canopy/v1/RangeInfo.js';
import type { MoveResponse } from '../rpc/gen/canopy/v1/MoveResponse.js';
import type { Topology } from './topology.js';

/** How long a Status probe may take before the leaf is reported down. */
export const STATUS_PROBE_TIMEOUT_MS = 2_000;

export async function probeLeaves(topology: Topology): Promise<LeafInfo[]> {
  const leaves = [...topology.table.leaves()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return Promise.all(
    leaves.map(async (l): Promise<LeafInfo> => {
      const base = { id: l.id, address: l.address, zone: l.zone ?? '' };
      const client = topology.client(l.id);
      if (!client) return { ...base, state: 'unknown' };
      try {
        const st = await client.status({ deadlineMs: STATUS_PROBE_TIMEOUT_MS });
        topology.markUp(l.id);
        return { ...base, state: 'up', series: st.series, samples: st.samples };
      } catch (e) {
        topology.markDown(l.id, fromServiceError(e).message);
        return { ...base, state: 'down' };
      }
    }),
  );
}

export function rangeInfo(r: RangeAssignment, load?: RangeLoad): RangeInfo {
  return {
    id: r.id,
    start: Buffer.from(r.start),
    end: Buffer.from(r.end),
    startText: r.start.length === 0 ? '-∞' : formatKey(r.start),
    endText: formatKey(r.end),
    replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
    epoch: r.epoch,
    series: load?.series ?? 0,
    samples: load?.samples ?? 0,
    bytes: load?.bytes ?? 0,
    writeRate: load?.writeRate ?? 0,
  };
}

function moveResponse(m: MoveOutcome): MoveResponse {
  return { rangeId: m.rangeId, fromLeaf: m.from ?? '', toLeaf: m.to, sourceLeaf: m.source, samples: m.samples, mergedSamples: m.merged, seconds: m.seconds };
}

/** MoveError (a refused operation) → FAILED_PRECONDITION-like INVALID_ARGUMENT at the edge. */
function opError(e: unknown): unknown {
  return e instanceof MoveError ? new InvalidArgumentError(e.message) : e;
}

export function adminService(topology: Topology): AdminHandlers {
  let ops: Balancer | undefined;
  const balancer = (): Balancer => (ops ??= new Balancer({ store: topology.store, logger: topology.logger }));
  return {
    Leaves(_call, cb) {
      probeLeaves(topology).then(
        (leaves) => cb(null, { leaves }),
        (e: unknown) => cb(gatewayServiceError(e)),
      );
    },
    Ranges(_call, cb) {
      try {
        const loads = rangeLoads(topology.store.loads());
        cb(null, { ranges: topology.table.ranges.map((r) => rangeInfo(r, loads.get(r.id))) });
      } catch (e) {
        cb(gatewayServiceError(e));
      }
    },
    Split(call, cb) {
      const req = call.request;
      let key: Uint8Array | undefined;
      if (req.key.length > 0) key = new Uint8Array(req.key);
      else if (req.keyValues.length > 0) key = encodeTuple([req.tenant || DEFAULT_TENANT, ...req.keyValues]);
      balancer()
        .split(req.rangeId, key)
        .then(
          (o) => cb(null, { left: rangeInfo(o.left), right: rangeInfo(o.right) }),
          (e: unknown) => cb(gatewayServiceError(opError(e))),
        );
    },
    Move(call, cb) {
      const req = call.request;
      if (!req.rangeId || !req.toLeaf) return cb(gatewayServiceError(new InvalidArgumentError('move needs range_id and to_leaf')));
      balancer()
        .move(req.rangeId, req.fromLeaf || undefined, req.toLeaf)
        .then(
          (m) => cb(null, moveResponse(m)),
          (e: unknown) => cb(gatewayServiceError(opError(e))),
        );
    },
    Drain(call, cb) {
      const id = call.request.leafId;
      if (!id) return cb(gatewayServiceError(new InvalidArgumentError('drain needs leaf_id')));
      balancer()
        .drain(id)
        .then(
          (moves) => cb(null, { moves: moves.map(moveResponse) }),
          (e: unknown) => cb(gatewayServiceError(opError(e))),
        );
    },
  };
}
