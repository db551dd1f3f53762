/**
 * A leaf's small HTTP listener for operators: `/metrics` (the leaf's registry plus process
 * metrics, and store gauges read at scrape time), `/-/healthy` and `/-/ready`. Node's `http`,
 * nothing else: the leaf serves no API over HTTP.
 */
import * as http from 'node:http';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { LeafMetrics } from './metrics.js';

export interface LeafHttpOptions {
  /** host:port; port 0 picks a free one. */
  listen: string;
  leafId: string;
  metrics: LeafMetrics;
  logger: Logger;
  /** Store totals for gauges (read at scrape time). */
  storeStats?: () => { series: number; samples: number; bytes: number };
}

export interface LeafHttpHandle {
  address: string;
  stop(): Promise<void>;
}

let processMetrics: Registry | undefined;

/** prom-client's process metrics, once per process (each collector set runs its own timer). */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}

export async function startLeafHttp(opts: LeafHttpOptions): Promise<LeafHttpHandle> {
  const store = new Registry();
  store.setDefaultLabels({ leaf: opts.leafId });
  if (opts.storeStats) {
    const stats = opts.storeStats;
    for (const [key, help] of [
      ['series', 'Series held by the leaf.'],
      ['samples', 'Samples held by the leaf.'],
      ['bytes', 'Approximate bytes held by the leaf store.'],
    ] as const) {
      new Gauge({
        name: `canopy_leaf_store_${key}`,
        help,
        registers: [store],
        collect() {
          this.set(stats()[key]);
        },
      });
    }
  }
  const registries = [opts.metrics.registry, store, processRegistry()];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method Not Allowed\n');
    if (path === '/-/healthy') return text(200, 'Canopy leaf is Healthy.\n');
    if (path === '/-/ready') return text(200, 'Canopy leaf is Ready.\n');
    if (path !== '/metrics') return text(404, '404 page not found\n');
    Promise.all(registries.map((r) => r.metrics())).then(
      (parts) => text(200, parts.filter((p) => p !== '').join('\n'), 'text/plain; version=0.0.4; charset=utf-8'),
      (e: unknown) => {
        opts.logger.warn({ err: (e as Error).message }, 'metrics collection failed');
        text(500, 'metrics collection failed\n');
      },
    );
  });
  const host = opts.listen.slice(0, opts.listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = Number(opts.listen.slice(opts.listen.lastIndexOf(':') + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = `${opts.listen.slice(0, opts.listen.lastIndexOf(':'))}:${(server.address() as { port: number }).port}`;
  opts.logger.info({ address }, 'leaf http listening');
  let stopped: Promise<void> | undefined;
  return {
    address,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
