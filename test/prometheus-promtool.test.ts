/**
 * A real Prometheus client against Canopy's HTTP API: Debian's `promtool query …` (Prometheus's
 * own Go API client, strict about the JSON shapes) for instant, range, series and label queries,
 * and its error reporting. Skipped when `promtool` is not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/cluster.js';
import { encodeRemoteWrite } from '../src/http/index.js';

const T0 = 1_767_225_600_000;
const available = spawnSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' }).status === 0;
let cluster: EmbeddedCluster;
let base: string;

/** Async: the cluster answers from this process, so a blocking exec would deadlock. */
function promtool(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { encoding: 'utf8', timeout: 30_000 }, (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

describe.skipIf(!available)('promtool against the Canopy HTTP API', () => {
  beforeAll(async () => {
    cluster = await startEmbeddedCluster({ leaves: 2, grpcAddr: '127.0.0.1:0', httpAddr: '127.0.0.1:0', logger: pino({ level: 'silent' }) });
    base = `http://${cluster.gateway.httpAddress}`;
    const labels = (job: string) => [{ name: '__name__', value: 'up' }, { name: 'instance', value: 'a' }, { name: 'job', value: job }];
    const r = await fetch(`${base}/api/v1/write`, { method: 'POST', body: encodeRemoteWrite([{ labels: labels('x'), t: [T0, T0 + 15_000], v: [1, 0] }, { labels: labels('y'), t: [T0], v: [1] }]) });
    expect(r.status).toBe(204);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('query instant / range / series / labels', async () => {
    const at = String(T0 / 1000 + 15);
    expect((await promtool(['query', 'instant', '--time', at, base, 'up{job="x"}'])).out.trim()).toBe('up{instance="a", job="x"} => 0 @[1767225615]');
    expect((await promtool(['query', 'instant', '--time', at, base, 'scalar(up{job="x"})'])).out.trim()).toBe('scalar: 0 @[1767225615]');
    const json = await promtool(['query', 'instant', '-o', 'json', '--time', at, base, 'sum(up)']);
    expect(JSON.parse(json.out)).toEqual([{ metric: {}, value: [1767225615, '1'] }]);
    const range = await promtool(['query', 'range', '--start', String(T0 / 1000), '--end', String(T0 / 1000 + 30), '--step', '15s', base, 'up{job="x"}']);
    expect(range.out.trim().split('\n')).toEqual(['up{instance="a", job="x"} =>', '1 @[1767225600]', '0 @[1767225615]', '0 @[1767225630]']);
    expect((await promtool(['query', 'series', '--match', 'up', base])).out.trim().split('\n')).toEqual(['{__name__="up", instance="a", job="x"}', '{__name__="up", instance="a", job="y"}']);
    expect((await promtool(['query', 'labels', base, 'job'])).out.trim().split('\n')).toEqual(['x', 'y']);
  });

  it('reports errors with Prometheus error types', async () => {
    const r = await promtool(['query', 'instant', base, 'sum(']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/bad_data: invalid parameter "query": 1:5: parse error: unclosed left parenthesis/);
  });
});
