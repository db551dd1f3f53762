/**
 * The values of the control-plane keys in etcd (JSON; key bytes as hex so they survive exactly):
 *   <prefix>leaves/<id>   {"address","zone"?,"capacity"?}           under the leaf's lease
 *   <prefix>ranges/<id>   {"start","end","replicas":[{"leafId","state"}],"epoch"}
 *   <prefix>load/<leaf>   LeafLoad                                   under the leaf's lease
 *   <prefix>gateways/<id> {"seen"}                                   under the gateway's lease
 *   <prefix>balancer/leader/…                                        the election (etcd3's keys)
 * Unknown or malformed values are skipped by readers (logged), never fatal.
 */
import { REPLICA_STATES, type LeafLoad, type LeafRecord, type RangeAssignment, type ReplicaState } from './assignment-store.js';

export const DEFAULT_ETCD_PREFIX = '/canopy/v1/';

export type KeyKind = 'leaves' | 'ranges' | 'load' | 'gateways';

export function keyOf(prefix: string, kind: KeyKind, id: string): string {
  return `${prefix}${kind}/${id}`;
}

/** Splits a full key into its kind and id, or undefined for keys we do not own (election…). */
export function parseKey(prefix: string, key: string): { kind: KeyKind; id: string } | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const kind = rest.slice(0, slash);
  const id = rest.slice(slash + 1);
  if (id === '' || (kind !== 'leaves' && kind !== 'ranges' && kind !== 'load' && kind !== 'gateways')) return undefined;
  return { kind, id };
}

export function encodeLeaf(l: LeafRecord): string {
  return JSON.stringify({ address: l.address, ...(l.zone ? { zone: l.zone } : {}), ...(l.capacity !== undefined ? { capacity: l.capacity } : {}) });
}

export function decodeLeaf(id: string, json: string): LeafRecord {
  const o = JSON.parse(json) as { address?: unknown; zone?: unknown; capacity?: unknown };
  if (typeof o.address !== 'string') throw new Error(`leaf ${id}: no address`);
  return { id, address: o.address, ...(typeof o.zone === 'string' && o.zone ? { zone: o.zone } : {}), ...(typeof o.capacity === 'number' ? { capacity: o.capacity } : {}) };
}

export function encodeRange(r: RangeAssignment): string {
  return JSON.stringify({
    start: Buffer.from(r.start).toString('hex'),
    end: Buffer.from(r.end).toString('hex'),
    replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
    epoch: r.epoch,
  });
}

export function decodeRange(id: string, json: string): RangeAssignment {
  const o = JSON.parse(json) as { start?: unknown; end?: unknown; replicas?: unknown; epoch?: unknown };
  if (typeof o.start !== 'string' || typeof o.end !== 'string' || !Array.isArray(o.replicas) || typeof o.epoch !== 'number') {
    throw new Error(`range ${id}: malformed value`);
  }
  const replicas = o.replicas.map((x: { leafId?: unknown; state?: unknown }) => {
    if (typeof x?.leafId !== 'string' || !REPLICA_STATES.includes(x.state as ReplicaState)) throw new Error(`range ${id}: malformed replica`);
    return { leafId: x.leafId, state: x.state as ReplicaState };
  });
  return { id, start: hexBytes(o.start), end: hexBytes(o.end), replicas, epoch: o.epoch };
}

export function encodeLoad(l: LeafLoad): string {
  return JSON.stringify(l);
}

export function decodeLoad(id: string, json: string): LeafLoad {
  const o = JSON.parse(json) as LeafLoad;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.ranges)) throw new Error(`load ${id}: malformed value`);
  return { ...o, leafId: id };
}

function hexBytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
