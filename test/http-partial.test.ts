/**
 * Partial answers through the HTTP API on a real cluster (3 leaves, replication 1): with one leaf
 * stopped, a query that needs its range answers 200 with a warning and `health.partial`, and
 * with `partial_response=false` fails 503 `unavailable` carrying the health.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/cluster.js';
import { encodeRemoteWrite } from '../src/http/index.js';

const T0 = 1_767_225_600_000;
/** The cluster's log lines (JSON), to check that a query's logs carry the HTTP request id. */
const logLines: string[] = [];
let cluster: EmbeddedCluster;
let base: string;

beforeAll(async () => {
  cluster = await startEmbeddedCluster({ leaves: 3, replicationFactor: 1, grpcAddr: '127.0.0.1:0', httpAddr: '127.0.0.1:0', logger: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }) });
  base = `http://${cluster.gateway.httpAddress}`;
  // Jobs spread over the key space, so every range (and leaf) holds some series.
  const series = [];
  for (const job of ['alpha', 'delta', 'kappa', 'omega', 'sigma', 'zeta']) {
    series.push({ labels: [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'i' }, { name: 'job', value: job }], t: [T0], v: [1] });
  }
  expect((await fetch(`${base}/api/v1/write`, { method: 'POST', body: encodeRemoteWrite(series), headers: { 'Content-Encoding': 'snappy' } })).status).toBe(204);
  const full = (await (await fetch(`${base}/api/v1/query?query=count(up)&time=${T0 / 1000}`)).json()) as any;
  expect(full.data.result[0].value[1]).toBe('6');
  await cluster.leaves[1]!.stop();
});

afterAll(async () => {
  await cluster?.stop();
});

describe('partial answers over HTTP', () => {
  it('warn (default): 200, a warning, health.partial; the failure is logged with the request id', async () => {
    const r = await fetch(`${base}/api/v1/query?query=count(up)&time=${T0 / 1000}`, { headers: { 'X-Request-Id': 'req-partial-1' } });
    expect(r.status).toBe(200);
    const j = (await r.json()) as any;
    expect(Number(j.data.result[0].value[1])).toBeLessThan(6);
    expect(j.warnings.some((w: string) => /partial response/.test(w))).toBe(true);
    expect(j.health.partial).toBe(true);
    expect(j.health.completeness).toBeLessThan(1);
    expect(j.health.issues.some((i: any) => i.kind === 'unavailable' && i.leafId === 'leaf-2')).toBe(true);
    const logged = logLines.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'req-partial-1');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged[0]).toMatchObject({ reqId: 'req-partial-1', queryId: expect.any(String) });
  });

  it('partial_response=false: 503 unavailable with the health', async () => {
    const r = await fetch(`${base}/api/v1/query?query=count(up)&time=${T0 / 1000}&partial_response=false`);
    expect(r.status).toBe(503);
    const j = (await r.json()) as any;
    expect(j.status).toBe('error');
    expect(j.errorType).toBe('unavailable');
    expect(j.health?.partial).toBe(true);
  });
});
