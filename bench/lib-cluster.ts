/**
 * Shared helpers for the gateway benchmarks: an embedded cluster (3 leaves + gateway, real gRPC
 * on loopback, in this process) and small statistics.
 */
import { pino } from 'pino';
import { GatewayClient, startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/index.js';

export interface BenchCluster {
  cluster: EmbeddedCluster;
  client: GatewayClient;
  stop(): Promise<void>;
}

export async function startBenchCluster(leaves = 3): Promise<BenchCluster> {
  const cluster = await startEmbeddedCluster({ leaves, grpcAddr: '127.0.0.1:0', logger: pino({ level: 'error' }, pino.destination(2)) });
  const client = new GatewayClient(cluster.gateway.address);
  return {
    cluster,
    client,
    stop: async () => {
      client.close();
      await cluster.stop();
    },
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `--runs N` style integer flags. */
export function intArg(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}
