/**
 * `canopy dev [--leaves N] [--demo] [--grpc-addr ADDR]`: the embedded cluster in one process (what
 * `npm start` runs). With --demo, the demo data set is written through the gateway's Write gRPC
 * (`up` first, then the rest, progress on stderr), then kept current by the live generator.
 */
import { DEMO_END, demoFamilies, LiveDemo, loadDemoHistory, type DemoWrite } from '../demo/index.js';
import { checkAddr, DEFAULT_ADDR, parse, UsageError } from './args.js';
import { DEFAULT_HTTP_LISTEN } from '../http/index.js';
import { defaultHttpAddr } from './cmd-daemons.js';
import { GatewayClient } from './client.js';
import { startEmbeddedCluster } from './cluster.js';
import { startEtcdEmbedded } from './etcd-cluster.js';
import type { Io } from './io.js';
import { cliLogger } from './logger.js';
import { untilSignal } from './signals.js';

export const DEV_USAGE = `usage: canopy dev [--leaves N] [--demo] [--grpc-addr HOST:PORT] [--http-addr HOST:PORT] [--replication-factor N] [--no-hedge] [--data-dir DIR]
  Starts N leaves (default 3) and a gateway in this process (default gateway address ${DEFAULT_ADDR},
  HTTP ${DEFAULT_HTTP_LISTEN}: Prometheus HTTP API, remote write, /metrics; --http-addr "" for none).
  --etcd URL [--etcd-prefix /canopy/v1/]: leaves register in that etcd under leases, ranges live
  there, and an elected balancer runs in this process (default: an in-memory assignment).
  --replication-factor (alias --replication): replicas per range, default 2 with ≥ 2 leaves, else 1;
  --no-hedge: never send a slow leaf's fragment to a second replica.
  --data-dir DIR: durable leaves (WAL, snapshots, blocks under DIR/leaf-N); default memory only.`;

export async function devCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    leaves: { type: 'string' },
    demo: { type: 'boolean' },
    'grpc-addr': { type: 'string' },
    'http-addr': { type: 'string' },
    replication: { type: 'string' },
    'replication-factor': { type: 'string' },
    'no-hedge': { type: 'boolean' },
    etcd: { type: 'string' },
    'etcd-prefix': { type: 'string' },
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) return io.out(DEV_USAGE), 0;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}\n${DEV_USAGE}`);
  const n = values.leaves === undefined ? 3 : Number(values.leaves);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`invalid --leaves ${JSON.stringify(values.leaves)}: expected 1…64`);
  const rfArg = values['replication-factor'] ?? values.replication;
  const rf = rfArg === undefined ? Math.min(2, n) : Number(rfArg);
  if (!Number.isInteger(rf) || rf < 1 || rf > n) throw new UsageError(`invalid --replication-factor ${JSON.stringify(rfArg)}: expected 1…${n}`);
  const grpcAddr = checkAddr(values['grpc-addr'] ?? DEFAULT_ADDR, '--grpc-addr');
  const httpArg = values['http-addr'] ?? defaultHttpAddr(grpcAddr);
  const httpAddr = httpArg === '' ? undefined : checkAddr(httpArg, '--http-addr');

  const started = Date.now();
  // --etcd: the same embedded cluster with membership, ranges and the balancer in a real etcd.
  const cluster = values.etcd
    ? await startEtcdEmbedded({ etcd: values.etcd, ...(values['etcd-prefix'] ? { prefix: values['etcd-prefix'] } : {}), leaves: n, grpcAddr, ...(httpAddr ? { httpAddr } : {}), replicationFactor: rf, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), logger: cliLogger('canopy-dev') })
    : await startEmbeddedCluster({ leaves: n, grpcAddr, ...(httpAddr ? { httpAddr } : {}), replicationFactor: rf, ...(values['no-hedge'] ? { hedge: false } : {}), ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), logger: cliLogger('canopy-dev') });
  const addr = cluster.gateway.address;
  const cli = addr === DEFAULT_ADDR ? 'node bin/canopy.js' : `CANOPY_ADDR=${addr} node bin/canopy.js`;
  io.out(`canopy dev: gateway listening on ${addr} (gRPC: Query, Write, Admin)`);
  if (cluster.gateway.httpAddress) io.out(`  HTTP on ${cluster.gateway.httpAddress}: Prometheus API (Grafana data source http://${cluster.gateway.httpAddress}), remote write /api/v1/write, /metrics`);
  for (const l of cluster.leaves) io.out(`  ${l.id} listening on ${l.address}`);
  io.out('');
  io.out('try:');
  io.out(`  ${cli} query 'up'`);
  io.out(`  ${cli} query 'sum by (job) (rate(http_requests_total[5m]))' --time 2026-01-01T00:00:00Z`);
  io.out(`  ${cli} explain 'up{job="checkout"}'`);
  io.out(`  ${cli} leaves`);
  io.out('stop with Ctrl-C');

  const client = new GatewayClient(addr);
  const write: DemoWrite = (series) => client.write('', series);
  const live = new LiveDemo(write, (e) => io.err(`demo: live write failed: ${(e as Error).message}`));
  const abort = new AbortController();
  let loading: Promise<void> = Promise.resolve();
  if (values.demo) {
    io.err(`demo: loading 6h of data ending ${new Date(DEMO_END).toISOString()} through the gateway (up first)…`);
    const liveOk = Date.now() > DEMO_END;
    loading = loadDemoHistory(write, demoFamilies(), {
      signal: abort.signal,
      onProgress: (line) => io.err(`${line} (+${((Date.now() - started) / 1000).toFixed(1)}s since start)`),
      onFamilyLoaded: (family) => {
        if (liveOk) live.add(family);
      },
    }).then(
      ({ accepted, rejected }) => {
        if (abort.signal.aborted) return;
        io.err(`demo: loaded ${accepted.toLocaleString('en-US')} samples${rejected ? `, ${rejected.toLocaleString('en-US')} rejected` : ''} in ${((Date.now() - started) / 1000).toFixed(1)}s` +
          (liveOk ? '; live samples every 15s at now. Reproducible queries: --time 2026-01-01T00:00:00Z' : ''));
      },
      (e: unknown) => {
        if (!abort.signal.aborted) io.err(`demo: load failed: ${(e as Error).message}`);
      },
    );
  }

  const sig = await untilSignal();
  io.err(`canopy dev: ${sig}, stopping…`);
  abort.abort();
  await live.stop();
  await Promise.race([loading, new Promise((r) => setTimeout(r, 2_000))]);
  client.close();
  await cluster.stop();
  return 0;
}
