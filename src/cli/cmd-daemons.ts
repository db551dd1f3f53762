/**
 * The daemons as separate processes:
 *   canopy leaf --id ID [--listen ADDR] [--zone Z] [--http-addr ADDR]
 *               [--data-dir DIR [--fsync always|interval:MS|off]] [--retention 15d]
 *               [--snapshot-interval 5m] [--ooo-window 10m]
 *   canopy gateway [--grpc-addr ADDR] [--http-addr ADDR] --leaf ID=ADDR … [--config FILE] [--replication N]
 * The gateway builds an in-memory range assignment (initialRanges) over the given leaves.
 * Config file (YAML), every key optional; flags win over the file:
 *   grpcAddr: 127.0.0.1:7400
 *   httpAddr: 127.0.0.1:7401       (Prometheus HTTP API, remote write, /metrics; "" = none)
 *   replicationFactor: 1
 *   targetLabels: [job, instance]
 *   leaves:
 *     - { id: leaf-1, address: 127.0.0.1:7401, zone: a }
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { startLeaf } from '../leaf/index.js';
import { startGateway } from '../router/index.js';
import { initialRanges, MemoryAssignmentStore, type LeafRecord } from '../shard/index.js';
import { checkAddr, DEFAULT_ADDR, parse, parseDurationArg, UsageError } from './args.js';
import type { FsyncPolicy } from '../leaf/index.js';
import { DEFAULT_HTTP_LISTEN } from '../http/index.js';
import type { Io } from './io.js';
import { cliLogger } from './logger.js';
import { untilSignal } from './signals.js';
import { etcdGateway, joinEtcd } from './etcd-cluster.js';

export const LEAF_USAGE = `usage: canopy leaf --id ID [--listen HOST:PORT] [--zone Z] [--target-labels job,instance] [--http-addr HOST:PORT]
  --http-addr serves /metrics, /-/healthy and /-/ready (default: no HTTP listener)
  [--etcd URL [--etcd-prefix P] [--capacity N]] register in etcd under a lease, report load, follow
  the range assignment (drops the data of ranges moved away)
  [--data-dir DIR] durable store (WAL, snapshots, blocks); without it the leaf is memory-only
  [--fsync always|interval:MS|off] WAL sync before acknowledging a write (default always)
  [--retention 15d] drop blocks older than this before the newest sample (default: keep all)
  [--snapshot-interval 5m] snapshot period bounding replay; without --data-dir, in-memory block
  compaction (default 5m; 0 = off)
  [--ooo-window 10m] older samples inside it are inserted, older ones rejected (default 10m;
  0 = only newer samples)`;

function fsyncOf(v: string | undefined): FsyncPolicy | undefined {
  if (v === undefined) return undefined;
  if (v === 'always' || v === 'off') return v;
  const m = /^interval:(.+)$/.exec(v);
  if (m) {
    const ms = /^[0-9]+$/.test(m[1]!) ? Number(m[1]) : parseDurationArg(m[1]!, '--fsync interval');
    if (ms > 0) return { intervalMs: ms };
  }
  throw new UsageError(`invalid --fsync ${JSON.stringify(v)}: expected always, interval:MS (e.g. interval:1000 or interval:1s) or off`);
}

/** A duration flag where 0 is allowed (disables). */
function durationOrZero(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  return v.trim() === '0' ? 0 : parseDurationArg(v, what);
}
export const GATEWAY_USAGE = `usage: canopy gateway [--grpc-addr HOST:PORT] [--http-addr HOST:PORT] --leaf ID=HOST:PORT … [--config FILE.yaml] [--replication-factor N] [--no-hedge] [--target-labels job,instance]
  --replication-factor (alias --replication): replicas per range, default 2 with ≥ 2 leaves, else 1;
  --no-hedge: never send a slow leaf's fragment to a second replica
       canopy gateway --etcd URL [--etcd-prefix P] [--balancer] [--replication N] [--grpc-addr …] [--http-addr …]
  --etcd: leaves and ranges from etcd (ranges bootstrapped over the registered leaves if none);
  --balancer: also campaign to run the balancer in this gateway
  default --grpc-addr ${DEFAULT_ADDR}, --http-addr ${DEFAULT_HTTP_LISTEN} (Prometheus HTTP API, remote write, /metrics; "" = none)`;

/**
 * The default HTTP address for a gRPC address: 127.0.0.1:7401, except that an ephemeral gRPC
 * port (`HOST:0`, tests and scripts) gets an ephemeral HTTP port on the same host too.
 */
export function defaultHttpAddr(grpcAddr: string): string {
  return grpcAddr.endsWith(':0') ? grpcAddr : DEFAULT_HTTP_LISTEN;
}

/** The HTTP address: a flag or config value, "" for none, else the default. */
export function httpAddrOf(v: string | undefined, def: string | undefined): string | undefined {
  const a = v ?? def;
  if (a === '') return undefined;
  return a === undefined ? undefined : checkAddr(a, '--http-addr');
}

function targetLabelsOf(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new UsageError('--target-labels needs at least one label name');
  return names;
}

export async function leafCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    id: { type: 'string' },
    listen: { type: 'string' },
    zone: { type: 'string' },
    'target-labels': { type: 'string' },
    'http-addr': { type: 'string' },
    'data-dir': { type: 'string' },
    fsync: { type: 'string' },
    retention: { type: 'string' },
    'ooo-window': { type: 'string' },
    'snapshot-interval': { type: 'string' },
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string' },
    capacity: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(LEAF_USAGE), 0;
  const dataDir = values['data-dir'];
  if (dataDir === '') throw new UsageError('--data-dir needs a directory');
  if (values.fsync !== undefined && dataDir === undefined) throw new UsageError('--fsync needs --data-dir');
  const fsync = fsyncOf(values.fsync);
  const retentionMs = values.retention !== undefined ? parseDurationArg(values.retention, '--retention') : undefined;
  const oooWindowMs = durationOrZero(values['ooo-window'], '--ooo-window');
  const snapshotIntervalMs = durationOrZero(values['snapshot-interval'], '--snapshot-interval');
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${LEAF_USAGE}`);
  if (!values.id) throw new UsageError(`--id is required\n${LEAF_USAGE}`);
  const targetLabels = targetLabelsOf(values['target-labels']);
  const leaf = await startLeaf({
    id: values.id,
    listen: checkAddr(values.listen ?? '127.0.0.1:0', '--listen'),
    ...(values.zone ? { zone: values.zone } : {}),
    ...(targetLabels ? { targetLabels } : {}),
    ...(httpAddrOf(values['http-addr'], undefined) ? { httpListen: httpAddrOf(values['http-addr'], undefined)! } : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    ...(fsync !== undefined ? { fsync } : {}),
    ...(retentionMs !== undefined ? { retentionMs } : {}),
    ...(oooWindowMs !== undefined ? { oooWindowMs } : {}),
    ...(snapshotIntervalMs !== undefined ? { snapshotIntervalMs } : {}),
    logger: cliLogger('canopy-leaf').child({ leaf: values.id }),
  });
  let storeNote = ' (memory-only)';
  if (dataDir !== undefined) {
    const st = leaf.store.storageStats();
    storeNote = ` (store ${dataDir}: ${st.series} series, ${st.samples} samples recovered` + (st.walTornTails > 0 ? `, torn WAL tail truncated` : '') + (st.walCorruptions > 0 ? `, WAL CORRUPTION: replay stopped there, see the log` : '') + ')';
  }
  io.out(`canopy leaf ${leaf.id}: listening on ${leaf.address}${leaf.httpAddress ? ` (HTTP /metrics on ${leaf.httpAddress})` : ''}${storeNote}`);
  // --etcd: register under a lease, report load, follow the range assignment.
  const membership = values.etcd ? await joinEtcd(values.etcd, values['etcd-prefix'], leaf, values.zone, values.capacity) : undefined;
  if (membership) io.out(`canopy leaf ${leaf.id}: registered in etcd ${values.etcd}`);
  const sig = await untilSignal();
  io.err(`canopy leaf ${leaf.id}: ${sig}, stopping…`);
  await membership?.stop();
  await leaf.stop();
  return 0;
}

interface GatewayConfig {
  grpcAddr?: string;
  httpAddr?: string;
  replicationFactor?: number;
  targetLabels?: string[];
  leaves?: { id: string; address: string; zone?: string }[];
}

function readConfig(file: string): GatewayConfig {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read --config ${file}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`--config ${file}: expected a YAML mapping`);
  const c = raw as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!['grpcAddr', 'httpAddr', 'replicationFactor', 'targetLabels', 'leaves'].includes(k)) throw new UsageError(`--config ${file}: unknown key ${JSON.stringify(k)}`);
  }
  if (c['leaves'] !== undefined && !Array.isArray(c['leaves'])) throw new UsageError(`--config ${file}: leaves must be a list`);
  for (const l of (c['leaves'] as unknown[] | undefined) ?? []) {
    const r = l as Record<string, unknown>;
    if (typeof r?.['id'] !== 'string' || typeof r['address'] !== 'string') throw new UsageError(`--config ${file}: each leaf needs id and address`);
  }
  return c as GatewayConfig;
}

export async function gatewayCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    'grpc-addr': { type: 'string' },
    'http-addr': { type: 'string' },
    leaf: { type: 'string', multiple: true },
    config: { type: 'string' },
    replication: { type: 'string' },
    'replication-factor': { type: 'string' },
    'no-hedge': { type: 'boolean' },
    'target-labels': { type: 'string' },
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string' },
    balancer: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(GATEWAY_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${GATEWAY_USAGE}`);
  if (values.etcd) return etcdGateway(values, io);
  if (values.balancer) throw new UsageError('--balancer needs --etcd');
  const config = values.config ? readConfig(values.config) : {};
  const leaves: LeafRecord[] = (config.leaves ?? []).map((l) => ({ id: l.id, address: checkAddr(l.address, `address of leaf ${l.id}`), ...(l.zone ? { zone: l.zone } : {}) }));
  for (const spec of values.leaf ?? []) {
    const m = /^([^=]+)=(.+)$/.exec(spec);
    if (!m) throw new UsageError(`invalid --leaf ${JSON.stringify(spec)}: expected ID=HOST:PORT`);
    leaves.push({ id: m[1]!, address: checkAddr(m[2]!, `--leaf ${m[1]}`) });
  }
  if (leaves.length === 0) throw new UsageError(`at least one --leaf ID=HOST:PORT (or leaves in --config) is required\n${GATEWAY_USAGE}`);
  if (new Set(leaves.map((l) => l.id)).size !== leaves.length) throw new UsageError('duplicate leaf ids');
  const rfArg = values['replication-factor'] ?? values.replication;
  const rf = rfArg !== undefined ? Number(rfArg) : config.replicationFactor ?? Math.min(2, leaves.length);
  if (!Number.isInteger(rf) || rf < 1 || rf > leaves.length) throw new UsageError(`invalid replication factor ${rf}: expected 1…${leaves.length}`);
  const targetLabels = targetLabelsOf(values['target-labels']) ?? config.targetLabels;
  const store = new MemoryAssignmentStore({ leaves, ranges: initialRanges(leaves.map((l) => l.id), { replicationFactor: rf }) });
  const grpcAddr = checkAddr(values['grpc-addr'] ?? config.grpcAddr ?? DEFAULT_ADDR, '--grpc-addr');
  const httpListen = httpAddrOf(values['http-addr'], config.httpAddr ?? defaultHttpAddr(grpcAddr));
  const gateway = await startGateway({
    listen: grpcAddr,
    ...(httpListen ? { httpListen } : {}),
    assignment: store,
    ...(targetLabels ? { targetLabels } : {}),
    ...(values['no-hedge'] ? { reliability: { hedge: false } } : {}),
    logger: cliLogger('canopy-gateway'),
  });
  io.out(`canopy gateway: listening on ${gateway.address} (gRPC: Query, Write, Admin) over ${leaves.length} leaves, replication ${rf}${values['no-hedge'] ? ', hedging off' : ''}`);
  if (gateway.httpAddress) io.out(`canopy gateway: HTTP on ${gateway.httpAddress} (Prometheus API /api/v1/*, remote write /api/v1/write, /metrics)`);
  const sig = await untilSignal();
  io.err(`canopy gateway: ${sig}, stopping…`);
  await gateway.stop();
  return 0;
}
