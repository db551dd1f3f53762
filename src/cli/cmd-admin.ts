/**
 * Cluster administration through a gateway's Admin service:
 *   canopy leaves                 leaves as the gateway sees them
 *   canopy ranges                 ranges, replicas and states, sizes from load reports
 *   canopy split RANGE [KEY…]     split a range (metadata only) at a target (label values in
 *                                 target-label order, e.g. `checkout` or `checkout 10.0.0.1:9100`),
 *                                 or at the median reported key when omitted
 *   canopy move RANGE FROM TO     move one replica (FROM may be '-' to only add a replica)
 *   canopy drain LEAF             move every replica off a leaf
 */
import * as grpc from '@grpc/grpc-js';
import { canopyProto, CHANNEL_OPTIONS, fromServiceError } from '../rpc/index.js';
import type { AdminClient } from '../rpc/gen/canopy/v1/Admin.js';
import type { MoveResponse__Output } from '../rpc/gen/canopy/v1/MoveResponse.js';
import type { RangeInfo__Output } from '../rpc/gen/canopy/v1/RangeInfo.js';
import { CLIENT_OPTIONS, defaultAddr, parse, UsageError } from './args.js';
import { GatewayClient } from './client.js';
import { table } from './format.js';
import type { Io } from './io.js';

export const LEAVES_USAGE = 'usage: canopy leaves [--json] [--addr HOST:PORT]';
export const RANGES_USAGE = 'usage: canopy ranges [--json] [--addr HOST:PORT]';
export const SPLIT_USAGE = 'usage: canopy split RANGE [TARGET_VALUE…] [--tenant T] [--json] [--addr HOST:PORT]';
export const MOVE_USAGE = 'usage: canopy move RANGE FROM|- TO [--json] [--addr HOST:PORT]   (waits for the move to finish)';
export const DRAIN_USAGE = 'usage: canopy drain LEAF [--json] [--addr HOST:PORT]   (waits until the leaf holds nothing)';

/** A move or drain can take minutes on large ranges. */
const OP_TIMEOUT_MS = 30 * 60_000;

export async function leavesCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(LEAVES_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${LEAVES_USAGE}`);
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.leaves();
    if (values.json) io.out(JSON.stringify(res.leaves));
    else {
      io.out(table(
        ['ID', 'ADDRESS', 'ZONE', 'STATE', 'SERIES', 'SAMPLES'],
        res.leaves.map((l) => [l.id, l.address, l.zone || '-', l.state, l.series.toLocaleString('en-US'), l.samples.toLocaleString('en-US')]),
      ));
    }
    return 0;
  } finally {
    client.close();
  }
}

function rangeJson(r: RangeInfo__Output): Record<string, unknown> {
  return {
    id: r.id,
    start: r.startText,
    end: r.endText,
    epoch: r.epoch,
    replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
    series: r.series,
    samples: r.samples,
    bytes: r.bytes,
    writeRate: r.writeRate,
  };
}

function rangeRows(ranges: readonly RangeInfo__Output[]): string[][] {
  return ranges.map((r) => [
    r.id,
    r.startText || '-∞',
    r.endText || '+∞',
    String(r.epoch),
    r.replicas.map((x) => `${x.leafId}(${x.state})`).join(' '),
    r.series.toLocaleString('en-US'),
    r.samples.toLocaleString('en-US'),
    humanBytes(r.bytes),
    r.writeRate.toFixed(1),
  ]);
}

const RANGE_HEADER = ['RANGE', 'START', 'END', 'EPOCH', 'REPLICAS', 'SERIES', 'SAMPLES', 'BYTES', 'WRITES/S'];

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export async function rangesCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(RANGES_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${RANGES_USAGE}`);
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.ranges();
    if (values.json) io.out(JSON.stringify(res.ranges.map(rangeJson)));
    else io.out(table(RANGE_HEADER, rangeRows(res.ranges)));
    return 0;
  } finally {
    client.close();
  }
}

function adminClient(addr: string): AdminClient {
  return new (canopyProto().Admin)(addr, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as AdminClient;
}

function unary<T>(fn: (opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: T) => void) => void, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    fn({ deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(fromServiceError(err)) : resolve(res as T)));
  });
}

function moveLine(m: MoveResponse__Output): string {
  const from = m.fromLeaf ? `${m.fromLeaf} → ` : '+';
  return `range ${m.rangeId}: ${from}${m.toLeaf} done in ${m.seconds.toFixed(2)}s (${m.samples.toLocaleString('en-US')} samples copied from ${m.sourceLeaf}, ${m.mergedSamples.toLocaleString('en-US')} new)`;
}

export async function splitCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(SPLIT_USAGE), 0;
  const [rangeId, ...keyValues] = positionals;
  if (!rangeId) throw new UsageError(`a RANGE is required\n${SPLIT_USAGE}`);
  const client = adminClient(values.addr ?? defaultAddr());
  try {
    const res = await unary<{ left: RangeInfo__Output | null; right: RangeInfo__Output | null }>(
      (o, cb) => client.Split({ rangeId, keyValues, tenant: values.tenant ?? '' }, o, cb),
      60_000,
    );
    const parts = [res.left!, res.right!];
    if (values.json) io.out(JSON.stringify(parts.map(rangeJson)));
    else io.out(table(RANGE_HEADER, rangeRows(parts)));
    return 0;
  } finally {
    client.close();
  }
}

export async function moveCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(MOVE_USAGE), 0;
  if (positionals.length !== 3) throw new UsageError(`expected RANGE FROM TO\n${MOVE_USAGE}`);
  const [rangeId, from, to] = positionals as [string, string, string];
  const client = adminClient(values.addr ?? defaultAddr());
  try {
    const res = await unary<MoveResponse__Output>((o, cb) => client.Move({ rangeId, fromLeaf: from === '-' ? '' : from, toLeaf: to }, o, cb), OP_TIMEOUT_MS);
    io.out(values.json ? JSON.stringify(res) : moveLine(res));
    return 0;
  } finally {
    client.close();
  }
}

export async function drainCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(DRAIN_USAGE), 0;
  if (positionals.length !== 1) throw new UsageError(`expected LEAF\n${DRAIN_USAGE}`);
  const client = adminClient(values.addr ?? defaultAddr());
  try {
    const res = await unary<{ moves: MoveResponse__Output[] }>((o, cb) => client.Drain({ leafId: positionals[0]! }, o, cb), OP_TIMEOUT_MS);
    if (values.json) io.out(JSON.stringify(res.moves));
    else {
      for (const m of res.moves) io.out(moveLine(m));
      io.out(`leaf ${positionals[0]} drained (${res.moves.length} move${res.moves.length === 1 ? '' : 's'})`);
    }
    return 0;
  } finally {
    client.close();
  }
}
