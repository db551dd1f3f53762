/** `canopy leaves` and `canopy ranges`: the gateway's view of membership and range assignment. */
import { CLIENT_OPTIONS, defaultAddr, parse, UsageError } from './args.js';
import { GatewayClient } from './client.js';
import { table } from './format.js';
import type { Io } from './io.js';

export const LEAVES_USAGE = 'usage: canopy leaves [--json] [--addr HOST:PORT]';
export const RANGES_USAGE = 'usage: canopy ranges [--json] [--addr HOST:PORT]';

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

export async function rangesCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, json: { type: 'boolean' } });
  if (values.help) return io.out(RANGES_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${RANGES_USAGE}`);
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.ranges();
    if (values.json) {
      io.out(JSON.stringify(res.ranges.map((r) => ({
        id: r.id,
        start: r.startText,
        end: r.endText,
        epoch: r.epoch,
        replicas: r.replicas.map((x) => ({ leafId: x.leafId, state: x.state })),
      }))));
    } else {
      io.out(table(
        ['RANGE', 'START', 'END', 'EPOCH', 'REPLICAS'],
        res.ranges.map((r) => [r.id, r.startText || '-∞', r.endText || '+∞', String(r.epoch), r.replicas.map((x) => `${x.leafId}(${x.state})`).join(' ')]),
      ));
    }
    return 0;
  } finally {
    client.close();
  }
}
