/** The Admin gRPC service: leaves (with a live Status probe) and the range assignment. */
import { gatewayServiceError } from './service-error.js';
import { formatKey } from '../model/index.js';
import { fromServiceError } from '../rpc/index.js';
import type { AdminHandlers } from '../rpc/gen/canopy/v1/Admin.js';
import type { LeafInfo } from '../rpc/gen/canopy/v1/LeafInfo.js';
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

export function adminService(topology: Topology): AdminHandlers {
  return {
    Leaves(_call, cb) {
      probeLeaves(topology).then(
        (leaves) => cb(null, { leaves }),
        (e: unknown) => cb(gatewayServiceError(e)),
      );
    },
    Ranges(_call, cb) {
      try {
        const ranges = topology.table.ranges.map((r) => ({
          id: r.id,
          start: Buffer.from(r.start),
          end: Buffer.from(r.end),
          startText: r.start.length === 0 ? '-∞' : formatKey(r.start),
          endText: formatKey(r.end),
          replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
          epoch: r.epoch,
        }));
        cb(null, { ranges });
      } catch (e) {
        cb(gatewayServiceError(e));
      }
    },
  };
}
