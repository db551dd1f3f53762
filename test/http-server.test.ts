/**
 * The HTTP server against a scripted backend (the PromApiBackend contract): how partial answers,
 * aborted partial answers, timeouts, cancellation, readiness, oversized bodies and internal
 * failures come out in Prometheus's shapes and status codes.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServerHandle, type PromApiBackend } from '../src/http/index.js';
import { CanopyError, DeadlineError, UnavailableError } from '../src/model/index.js';

const health = (partial: boolean) => ({ expectedChildren: 3, completedChildren: partial ? 2 : 3, completeness: partial ? 2 / 3 : 1, partial, issues: partial ? [{ kind: 'unavailable', rangeId: 'r1', leafId: 'leaf-2', message: 'down' }] : [] });

function backend(over: Partial<PromApiBackend> = {}): PromApiBackend {
  return {
    query: async () => ({ value: { resultType: 'scalar', t: 1000, v: 1 }, warnings: [], infos: [], health: health(false), fanout: { expected: 3, pruned: 0 } }),
    series: async () => ({ value: [], warnings: [], health: health(false) }),
    labelNames: async () => ({ value: [], warnings: [], health: health(false) }),
    labelValues: async () => ({ value: [], warnings: [], health: health(false) }),
    write: async () => ({ acceptedSamples: 0, rejectedSamples: 0, rejections: [], replicaErrors: [] }),
    ready: () => ({ ready: true, message: 'ok' }),
    ...over,
  };
}

let server: HttpServerHandle | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(b: PromApiBackend, extra: { maxBodyBytes?: number } = {}): Promise<string> {
  server = await startHttpServer({ listen: '127.0.0.1:0', logger: pino({ level: 'silent' }), backend: b, registries: [new Registry()], ...extra });
  return `http://${server.address}`;
}

describe('HTTP server edge cases', () => {
  it('a partial answer is 200 with its warning and health', async () => {
    const base = await start(backend({ query: async () => ({ value: { resultType: 'vector', samples: [] }, warnings: ['partial response: 1 of 3 ranges missing'], infos: [], health: health(true), fanout: { expected: 3, pruned: 0 } }) }));
    const j = await (await fetch(`${base}/api/v1/query?query=up`)).json();
    expect(j).toEqual({ status: 'success', data: { resultType: 'vector', result: [] }, warnings: ['partial response: 1 of 3 ranges missing'], health: health(true) });
  });

  it('partial_response=false is passed on; an aborted partial answer is 503 unavailable with its health', async () => {
    let seen = '';
    const base = await start(
      backend({
        query: async (_q, _s, o) => {
          seen = o.partial;
          throw new UnavailableError('partial response aborted: range r1 unavailable on leaf leaf-2: down', { health: health(true) });
        },
      }),
    );
    const r = await fetch(`${base}/api/v1/query?query=up&partial_response=false`);
    expect(seen).toBe('abort');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'error', errorType: 'unavailable', error: 'partial response aborted: range r1 unavailable on leaf leaf-2: down', health: health(true) });
  });

  it('a deadline is 503 timeout; the timeout parameter reaches the backend', async () => {
    let timeoutMs = 0;
    const base = await start(
      backend({
        query: async (_q, _s, o) => {
          timeoutMs = o.timeoutMs;
          throw new DeadlineError('query timed out');
        },
      }),
    );
    const r = await fetch(`${base}/api/v1/query?query=up&timeout=1.5`);
    expect(timeoutMs).toBe(1500);
    expect(r.status).toBe(503);
    expect((await r.json()).errorType).toBe('timeout');
  });

  it('a client that goes away aborts the query', async () => {
    let aborted!: () => void;
    const wasAborted = new Promise<void>((r) => (aborted = r));
    const base = await start(
      backend({
        query: (_q, _s, _o, signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted();
              reject(new CanopyError('CANCELLED', 'cancelled'));
            });
          }),
      }),
    );
    const ac = new AbortController();
    const req = fetch(`${base}/api/v1/query?query=up`, { signal: ac.signal }).catch(() => undefined);
    setTimeout(() => ac.abort(), 100);
    await req;
    await wasAborted;
  });

  it('not ready → /-/ready 503; internal errors → 500 internal', async () => {
    const base = await start(
      backend({
        ready: () => ({ ready: false, message: 'no ranges assigned yet' }),
        series: async () => {
          throw new Error('boom');
        },
      }),
    );
    const r = await fetch(`${base}/-/ready`);
    expect(r.status).toBe(503);
    expect(await r.text()).toMatch(/no ranges assigned yet/);
    const s = await fetch(`${base}/api/v1/series?match[]=up`);
    expect(s.status).toBe(500);
    expect(await s.json()).toEqual({ status: 'error', errorType: 'internal', error: 'boom' });
  });

  it('an oversized body is answered 413', async () => {
    const base = await start(backend(), { maxBodyBytes: 1024 });
    const r = await fetch(`${base}/api/v1/write`, { method: 'POST', body: new Uint8Array(100_000) });
    expect(r.status).toBe(413);
  });
});
