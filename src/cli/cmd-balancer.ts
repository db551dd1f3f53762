/**
 * `canopy balancer --etcd URL`: the balancer as its own daemon. It joins the leader election
 * (several may run; one acts), and while leading re-replicates the ranges of dead leaves, splits
 * ranges over the thresholds and moves ranges from the most to the least loaded leaves.
 */
import { parse, parseDurationArg, UsageError } from './args.js';
import { Balancer } from '../balancer/index.js';
import { connectEtcd } from './etcd-cluster.js';
import type { Io } from './io.js';
import { cliLogger } from './logger.js';
import { untilSignal } from './signals.js';

export const BALANCER_USAGE = `usage: canopy balancer --etcd URL[,URL…] [--etcd-prefix /canopy/v1/] [--interval 5s] [--dead-after 10s]
    [--max-moves 1] [--split-series 100000] [--split-samples 50000000] [--split-write-rate 200000]
    [--move-threshold 0.25] [--no-rebalance]`;

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`invalid ${what} ${JSON.stringify(v)}`);
  return n;
}

export async function balancerCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string' },
    prefix: { type: 'string' },
    interval: { type: 'string' },
    'dead-after': { type: 'string' },
    'max-moves': { type: 'string' },
    'split-series': { type: 'string' },
    'split-samples': { type: 'string' },
    'split-write-rate': { type: 'string' },
    'move-threshold': { type: 'string' },
    'no-rebalance': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(BALANCER_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${BALANCER_USAGE}`);
  if (!values.etcd) throw new UsageError(`--etcd is required\n${BALANCER_USAGE}`);
  const logger = cliLogger('canopy-balancer');
  const prefix = values['etcd-prefix'] ?? values.prefix; // --prefix: alias
  const store = await connectEtcd({ etcd: values.etcd, ...(prefix ? { prefix } : {}), logger });
  const opt = <K extends string>(k: K, v: number | undefined): Record<K, number> | Record<string, never> => (v === undefined ? {} : ({ [k]: v } as Record<K, number>));
  const balancer = new Balancer({
    store,
    logger,
    ...(values.interval ? { intervalMs: parseDurationArg(values.interval, '--interval') } : {}),
    ...(values['dead-after'] ? { deadAfterMs: parseDurationArg(values['dead-after'], '--dead-after') } : {}),
    ...opt('maxConcurrentMoves', num(values['max-moves'], '--max-moves')),
    ...opt('splitSeries', num(values['split-series'], '--split-series')),
    ...opt('splitSamples', num(values['split-samples'], '--split-samples')),
    ...opt('splitWriteRate', num(values['split-write-rate'], '--split-write-rate')),
    ...opt('moveThreshold', num(values['move-threshold'], '--move-threshold')),
    ...(values['no-rebalance'] ? { rebalance: false } : {}),
  });
  balancer.start();
  io.out(`canopy balancer: campaigning for leadership in etcd ${values.etcd} (${store.prefix})`);
  const sig = await untilSignal();
  io.err(`canopy balancer: ${sig}, stopping…`);
  await balancer.stop();
  await store.close();
  return 0;
}
