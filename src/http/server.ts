/**
 * The gateway's HTTP listener (node's `http`, no framework): the Prometheus HTTP API
 * (GET/POST query, query_range, series, labels; GET label values, metadata, buildinfo), the
 * remote write receiver, `/metrics`, `/-/healthy` and `/-/ready`.
 *
 * Every request gets an id (the caller's `X-Request-Id` when sane, else a UUID), echoed in the
 * response and carried by every log line of that request. The tenant is the `X-Scope-OrgID`
 * header (as Cortex/Mimir/Thanos receive it); absent = the default tenant.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { EMPTY_ENDPOINTS, handleBuildInfo, handleFormatQuery, handleLabels, handleLabelValues, handleMetadata, handleQuery, handleQueryRange, handleSeries, type ApiRequest, type BuildInfo, type Reply } from './api-handlers.js';
import type { PromApiBackend, ReadyState } from './backend.js';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.js';
import { MetadataStore } from './metadata-store.js';
import { FormParams } from './params.js';
import { errorJson, toApiError } from './prom-json.js';
import { handleRemoteWrite } from './remote-write-handler.js';

export interface HttpServerOptions {
  /** host:port; port 0 picks a free one. */
  listen: string;
  logger: Logger;
  /** Answers the Prometheus API; without it only /metrics and /-/* are served (leaves). */
  backend?: PromApiBackend;
  /** Registries merged into /metrics. */
  registries?: Registry[];
  /** Prefix of the HTTP metrics (e.g. canopy_gateway); registered on the first registry. */
  metricsPrefix?: string;
  /** Readiness (default: the backend's, else always ready). */
  ready?: () => ReadyState;
  /** Name in /-/healthy and /-/ready texts. */
  name?: string;
  buildInfo?: Partial<BuildInfo>;
  /** Called after each successful query with its fan-out size (metrics). */
  onQuery?: (kind: 'instant' | 'range', fanout: { expected: number; pruned: number }) => void;
  /** Largest request body, bytes (default 64 MiB). */
  maxBodyBytes?: number;
  now?: () => number;
}

export interface HttpServerHandle {
  /** host:port actually bound. */
  address: string;
  port: number;
  metadata: MetadataStore;
  stop(): Promise<void>;
}

export const DEFAULT_HTTP_LISTEN = '127.0.0.1:7401';
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
/** API answers at least this large are gzipped for clients that accept it (Grafana does), as Prometheus does. */
const GZIP_MIN_BYTES = 1024;
const gzipAsync = promisify(gzip);
const JSON_TYPE = 'application/json';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > max) {
        // Stop buffering but keep draining, so that the 413 answer reaches the client.
        req.off('data', onData);
        req.resume();
        chunks.length = 0;
        reject(new HttpError(413, `request body larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function requestId(req: http.IncomingMessage): string {
  const h = req.headers['x-request-id'];
  const v = Array.isArray(h) ? h[0] : h;
  return v && /^[\w.:-]{1,128}$/.test(v) ? v : randomUUID();
}

function tenantOf(req: http.IncomingMessage): string {
  const h = req.headers['x-scope-orgid'];
  return (Array.isArray(h) ? h[0] : h) ?? '';
}

type Route =
  | { kind: 'api'; handler: string; methods: string[]; run: (r: ApiRequest) => Promise<Reply> | Reply }
  | { kind: 'write' }
  | { kind: 'metrics' }
  | { kind: 'healthy' }
  | { kind: 'ready' };

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const logger = opts.logger;
  const registries = opts.registries ?? [];
  const metrics: HttpMetrics | undefined = registries[0] ? createHttpMetrics(registries[0], opts.metricsPrefix ?? 'canopy') : undefined;
  const metadata = new MetadataStore();
  const name = opts.name ?? 'Canopy';
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const now = opts.now ?? Date.now;
  const buildInfo: BuildInfo = { version: '0.1.0', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '', ...opts.buildInfo };
  const backend = opts.backend;
  const readyFn = opts.ready ?? (backend ? () => backend.ready() : () => ({ ready: true, message: 'ready' }));

  const route = (path: string): { route: Route } | undefined => {
    if (path === '/metrics') return { route: { kind: 'metrics' } };
    if (path === '/-/healthy') return { route: { kind: 'healthy' } };
    if (path === '/-/ready') return { route: { kind: 'ready' } };
    if (!backend) return undefined;
    const rw = ['GET', 'POST'];
    switch (path) {
      case '/api/v1/query':
        return { route: { kind: 'api', handler: 'query', methods: rw, run: handleQuery } };
      case '/api/v1/query_range':
        return { route: { kind: 'api', handler: 'query_range', methods: rw, run: handleQueryRange } };
      case '/api/v1/series':
        return { route: { kind: 'api', handler: 'series', methods: rw, run: handleSeries } };
      case '/api/v1/labels':
        return { route: { kind: 'api', handler: 'labels', methods: rw, run: handleLabels } };
      case '/api/v1/metadata':
        return { route: { kind: 'api', handler: 'metadata', methods: ['GET'], run: handleMetadata } };
      case '/api/v1/format_query':
        return { route: { kind: 'api', handler: 'format_query', methods: rw, run: handleFormatQuery } };
      case '/api/v1/status/buildinfo':
        return { route: { kind: 'api', handler: 'buildinfo', methods: ['GET'], run: () => handleBuildInfo(buildInfo) } };
      case '/api/v1/write':
        return { route: { kind: 'write' } };
    }
    const m = /^\/api\/v1\/label\/([^/]+)\/values$/.exec(path);
    if (m) {
      // A name that is not valid percent-encoded UTF-8 is refused by the handler (as '').
      let label = '';
      try {
        label = decodeURIComponent(m[1]!);
      } catch {
        /* refused below */
      }
      return { route: { kind: 'api', handler: 'label_values', methods: ['GET'], run: (r) => handleLabelValues(r, label, m[1]!) } };
    }
    if (Object.hasOwn(EMPTY_ENDPOINTS, path)) {
      const data = EMPTY_ENDPOINTS[path]!;
      return { route: { kind: 'api', handler: path.slice('/api/v1/'.length), methods: rw, run: () => ({ status: 200, body: `{"status":"success","data":${data}}` }) } };
    }
    return undefined;
  };

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse, log: Logger, signal: AbortSignal, id: string): Promise<[number, string]> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const found = route(url.pathname);
    const send = (status: number, body: string | Buffer, type: string): void => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (!found) {
      send(404, '404 page not found\n', 'text/plain; charset=utf-8');
      return [404, 'not_found'];
    }
    const r = found.route;
    switch (r.kind) {
      case 'metrics': {
        const texts = await Promise.all(registries.map((g) => g.metrics()));
        send(200, texts.filter((t) => t !== '').join('\n'), 'text/plain; version=0.0.4; charset=utf-8');
        return [200, 'metrics'];
      }
      case 'healthy':
        send(200, `${name} is Healthy.\n`, 'text/plain; charset=utf-8');
        return [200, 'healthy'];
      case 'ready': {
        const st = readyFn();
        send(st.ready ? 200 : 503, st.ready ? `${name} is Ready.\n` : `Service Unavailable: ${st.message}\n`, 'text/plain; charset=utf-8');
        return [st.ready ? 200 : 503, 'ready'];
      }
      case 'write': {
        if (method !== 'POST') {
          res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Method Not Allowed\n');
          return [405, 'write'];
        }
        const body = await readBody(req, maxBody);
        const out = await handleRemoteWrite(body, String(req.headers['content-type'] ?? ''), tenantOf(req), backend!, metadata, metrics);
        // 5xx: the sender retries and an operator should know; 4xx: counted in the metrics, and a
        // sender with one bad series would otherwise flood the log.
        if (out.status >= 500) log.warn({ status: out.status, err: out.body.slice(0, 500) }, 'remote write failed');
        else if (out.status >= 400) log.debug({ status: out.status, err: out.body.slice(0, 500) }, 'remote write refused');
        if (out.status === 204) {
          res.writeHead(204);
          res.end();
        } else send(out.status, out.body + '\n', 'text/plain; charset=utf-8');
        return [out.status, 'write'];
      }
      case 'api': {
        if (!r.methods.includes(method)) {
          res.writeHead(405, { Allow: r.methods.join(', '), 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Method Not Allowed\n');
          return [405, r.handler];
        }
        const sources = [];
        if (method === 'POST') {
          const body = await readBody(req, maxBody);
          const type = String(req.headers['content-type'] ?? '');
          if (/^application\/x-www-form-urlencoded/i.test(type)) sources.push(new URLSearchParams(body.toString('utf8')));
        }
        sources.push(url.searchParams);
        const apiReq: ApiRequest = { params: new FormParams(...sources), tenant: tenantOf(req), requestId: id, signal, backend: backend!, metadata, now };
        try {
          const reply = await r.run(apiReq);
          if (reply.body.length >= GZIP_MIN_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
            const zipped = await gzipAsync(reply.body, { level: 4 });
            res.writeHead(reply.status, { 'Content-Type': reply.contentType ?? JSON_TYPE, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
            res.end(zipped);
          } else send(reply.status, reply.body, reply.contentType ?? JSON_TYPE);
          if (apiReq.fanout && (r.handler === 'query' || r.handler === 'query_range')) opts.onQuery?.(r.handler === 'query' ? 'instant' : 'range', apiReq.fanout);
          return [reply.status, r.handler];
        } catch (e) {
          const err = toApiError(e);
          if (err.status >= 500) log.warn({ handler: r.handler, status: err.status, err: err.message }, 'request failed');
          else log.debug({ handler: r.handler, status: err.status, err: err.message }, 'request refused');
          send(err.status, errorJson(err), JSON_TYPE);
          return [err.status, r.handler];
        }
      }
    }
  };

  const server = http.createServer((req, res) => {
    const id = requestId(req);
    res.setHeader('X-Request-Id', id);
    const log = logger.child({ reqId: id });
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client went away'));
    });
    const started = performance.now();
    serve(req, res, log, ac.signal, id).then(
      ([status, handler]) => {
        const secs = (performance.now() - started) / 1000;
        metrics?.requests.inc({ handler, code: String(status) });
        metrics?.duration.observe({ handler }, secs);
        log.debug({ method: req.method, path: req.url?.split('?')[0], status, ms: Math.round(secs * 1000) }, 'http request');
      },
      (e: unknown) => {
        const status = e instanceof HttpError ? e.status : 500;
        log.warn({ method: req.method, path: req.url?.split('?')[0], status, err: (e as Error)?.message }, 'http request failed');
        if (!res.headersSent) {
          res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`${(e as Error)?.message ?? 'internal error'}\n`);
        } else res.destroy();
        metrics?.requests.inc({ handler: 'unknown', code: String(status) });
      },
    );
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeouts

  const listen = opts.listen;
  const host = listen.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as { port: number }).port;
  const address = `${listen.slice(0, listen.lastIndexOf(':'))}:${bound}`;
  logger.info({ address }, 'http listening');

  let stopped: Promise<void> | undefined;
  return {
    address,
    port: bound,
    metadata,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      return stopped;
    },
  };
}
