/**
 * The gateway's Prometheus HTTP API over a real embedded cluster (3 leaves, real gRPC, HTTP on
 * loopback): result and error shapes, status codes, parameter parsing (times, durations, POST
 * forms), series/labels/metadata, health, tenants, partial answers, ops endpoints, and the gRPC
 * health + reflection services.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service as healthService } from 'grpc-health-check';
import { startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/cluster.js';
import { encodeRemoteWrite } from '../src/http/index.js';
import { STALE_NAN } from '../src/model/index.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
let cluster: EmbeddedCluster;
let base: string;

type Json = { status: string; data?: any; error?: string; errorType?: string; warnings?: string[]; infos?: string[]; health?: any };

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Headers }> {
  const r = await fetch(base + path, { headers });
  return { status: r.status, json: (await r.json()) as Json, headers: r.headers };
}

async function post(path: string, form: Record<string, string | string[]>, query = ''): Promise<{ status: number; json: Json }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const r = await fetch(base + path + query, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return { status: r.status, json: (await r.json()) as Json };
}

function series(name: string, labels: Record<string, string>, points: [number, number][]) {
  const all = { __name__: name, ...labels };
  return {
    labels: Object.keys(all).sort().map((k) => ({ name: k, value: all[k as keyof typeof all]! })),
    t: points.map((p) => p[0]),
    v: Float64Array.from(points.map((p) => p[1])),
  };
}

async function remoteWrite(body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/v1/write`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', ...headers } });
}

beforeAll(async () => {
  cluster = await startEmbeddedCluster({ leaves: 3, grpcAddr: '127.0.0.1:0', httpAddr: '127.0.0.1:0', logger: pino({ level: 'silent' }) });
  base = `http://${cluster.gateway.httpAddress}`;
  const data = [];
  for (const job of ['api', 'db']) {
    for (const instance of ['a:1', 'b:1']) {
      data.push(series('http_requests_total', { job, instance, code: '200' }, Array.from({ length: 11 }, (_, i) => [T0 + i * 15_000, i * 10 + (job === 'db' ? 1 : 0)])));
      data.push(series('up', { job, instance }, Array.from({ length: 11 }, (_, i) => [T0 + i * 15_000, 1])));
    }
  }
  data.push(series('temperature', { job: 'api', instance: 'a:1' }, [[T0, 21.5], [T0 + 15_000, NaN], [T0 + 30_000, Infinity]]));
  const body = encodeRemoteWrite(data, [{ type: 'counter', metricFamilyName: 'http_requests_total', help: 'Requests.', unit: '' }]);
  const r = await remoteWrite(body);
  expect(r.status).toBe(204);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('instant queries', () => {
  it('answers a vector in Prometheus shape, values as strings, time as unix seconds, with health', async () => {
    const { status, json } = await get(`/api/v1/query?query=${encodeURIComponent('up{job="api"}')}&time=${T0 / 1000 + 150}`);
    expect(status).toBe(200);
    expect(json.status).toBe('success');
    expect(json.data).toEqual({
      resultType: 'vector',
      result: [
        { metric: { __name__: 'up', instance: 'a:1', job: 'api' }, value: [T0 / 1000 + 150, '1'] },
        { metric: { __name__: 'up', instance: 'b:1', job: 'api' }, value: [T0 / 1000 + 150, '1'] },
      ],
    });
    expect(json.warnings).toBeUndefined();
    expect(json.health).toMatchObject({ partial: false, completeness: 1 });
    expect(json.health.expectedChildren).toBeGreaterThan(0);
  });

  it('formats NaN, +Inf and fractional times as Prometheus does', async () => {
    const nan = await get(`/api/v1/query?query=temperature&time=${T0 / 1000 + 15.5}`);
    expect(nan.json.data.result[0].value).toEqual([T0 / 1000 + 15.5, 'NaN']);
    const inf = await get(`/api/v1/query?query=temperature&time=${new Date(T0 + 30_000).toISOString()}`);
    expect(inf.json.data.result[0].value).toEqual([T0 / 1000 + 30, '+Inf']);
    const big = await get(`/api/v1/query?query=1e21&time=${T0 / 1000}`);
    expect(big.json.data).toEqual({ resultType: 'scalar', result: [T0 / 1000, '1000000000000000000000'] });
  });

  it('answers scalars, strings and range-vector (matrix) results', async () => {
    expect((await get(`/api/v1/query?query=1%2B1&time=100`)).json.data).toEqual({ resultType: 'scalar', result: [100, '2'] });
    expect((await get(`/api/v1/query?query=%22hi%22&time=100`)).json.data).toEqual({ resultType: 'string', result: [100, 'hi'] });
    const m = await get(`/api/v1/query?query=${encodeURIComponent('up{job="db",instance="a:1"}[30s]')}&time=${T0 / 1000 + 45}`);
    expect(m.json.data).toEqual({ resultType: 'matrix', result: [{ metric: { __name__: 'up', instance: 'a:1', job: 'db' }, values: [[T0 / 1000 + 30, '1'], [T0 / 1000 + 45, '1']] }] });
  });

  it('takes POST forms (body before URL) the same as GET', async () => {
    const r = await post('/api/v1/query', { query: 'sum(up)', time: String(T0 / 1000 + 60) }, '?query=nonsense(');
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ resultType: 'vector', result: [{ metric: {}, value: [T0 / 1000 + 60, '4'] }] });
  });

  it('gzips large answers for clients that accept it', async () => {
    const r = await fetch(`${base}/api/v1/query_range?query=up&start=${T0 / 1000}&end=${T0 / 1000 + 150}&step=1`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.headers.get('content-encoding')).toBe('gzip');
    const j = (await r.json()) as Json; // fetch decompresses
    expect(j.data.result).toHaveLength(4);
    expect(j.data.result[0].values).toHaveLength(151);
  });

  it('carries engine annotations as infos/warnings', async () => {
    const r = await get(`/api/v1/query?query=${encodeURIComponent('rate(up[1m])')}&time=${T0 / 1000 + 60}`);
    expect(r.status).toBe(200);
    expect(r.json.infos?.[0]).toMatch(/^PromQL info: metric might not be a counter/);
  });
});

describe('range queries', () => {
  it('answers a matrix over RFC3339 times and a duration step', async () => {
    const start = new Date(T0).toISOString();
    const end = new Date(T0 + 60_000).toISOString();
    const r = await get(`/api/v1/query_range?query=${encodeURIComponent('sum by (job) (http_requests_total)')}&start=${start}&end=${end}&step=30s`);
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({
      resultType: 'matrix',
      result: [
        { metric: { job: 'api' }, values: [[T0 / 1000, '0'], [T0 / 1000 + 30, '40'], [T0 / 1000 + 60, '80']] },
        { metric: { job: 'db' }, values: [[T0 / 1000, '2'], [T0 / 1000 + 30, '42'], [T0 / 1000 + 60, '82']] },
      ],
    });
  });

  it('accepts float-second steps and times', async () => {
    const r = await post('/api/v1/query_range', { query: 'vector(1)', start: '0.5', end: '1.5', step: '0.5' });
    expect(r.json.data.result[0].values).toEqual([[0.5, '1'], [1, '1'], [1.5, '1']]);
  });

  it.each([
    [{ query: 'up', end: '10', step: '1' }, 'invalid parameter "start": cannot parse "" to a valid timestamp'],
    [{ query: 'up', start: 'yesterday', end: '10', step: '1' }, 'invalid parameter "start": cannot parse "yesterday" to a valid timestamp'],
    [{ query: 'up', start: '10', end: '5', step: '1' }, 'end timestamp must not be before start time'],
    [{ query: 'up', start: '0', end: '10', step: 'x' }, 'invalid parameter "step": cannot parse "x" to a valid duration'],
    [{ query: 'up', start: '0', end: '10', step: '0' }, 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
    [{ query: 'up', start: '0', end: '100000', step: '1' }, 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    [{ query: 'sum(', start: '0', end: '10', step: '1' }, 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'],
    [{ query: 'up[5m]', start: '0', end: '10', step: '1' }, 'invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector'],
    [{ query: 'up', start: '0', end: '10', step: '1', timeout: 'soon' }, 'invalid parameter "timeout": cannot parse "soon" to a valid duration'],
  ])('refuses bad parameters with 400 bad_data: %j', async (form, message) => {
    const r = await post('/api/v1/query_range', form as Record<string, string>);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ status: 'error', errorType: 'bad_data', error: message });
  });

  it('reports evaluation errors as 422 execution', async () => {
    const r = await get(`/api/v1/query?query=${encodeURIComponent('http_requests_total + on(job) up')}&time=${T0 / 1000 + 60}`);
    expect(r.status).toBe(422);
    expect(r.json.errorType).toBe('execution');
    expect(r.json.error).toMatch(/many-to-many matching not allowed/);
  });
});

describe('series, labels, metadata, buildinfo', () => {
  it('series: union of match[] selectors, label objects', async () => {
    const r = await post('/api/v1/series', { 'match[]': ['up{job="api"}', 'temperature'], start: String(T0 / 1000), end: String(T0 / 1000 + 300) });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual([
      { __name__: 'temperature', instance: 'a:1', job: 'api' },
      { __name__: 'up', instance: 'a:1', job: 'api' },
      { __name__: 'up', instance: 'b:1', job: 'api' },
    ]);
    expect(r.json.health.partial).toBe(false);
  });

  it('series: errors as Prometheus words them', async () => {
    expect((await get('/api/v1/series')).json).toEqual({ status: 'error', errorType: 'bad_data', error: 'no match[] parameter provided' });
    expect((await get(`/api/v1/series?match[]=${encodeURIComponent('{job=~".*"}')}`)).json.error).toBe('match[] must contain at least one non-empty matcher');
    const bad = await get(`/api/v1/series?match[]=${encodeURIComponent('up{')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^1:\d+: parse error: /);
  });

  it('series with limit truncates and warns', async () => {
    const r = await get(`/api/v1/series?match[]=up&limit=2`);
    expect(r.json.data).toHaveLength(2);
    expect(r.json.warnings).toEqual(['results truncated due to limit']);
  });

  it('labels and label values (sorted), with match[] and Prometheus MinTime/MaxTime', async () => {
    const names = await get(`/api/v1/labels?start=-292273086-05-16T16:47:06Z&end=292277025-08-18T07:12:54.999999999Z`);
    expect(names.json.data).toEqual(['__name__', 'code', 'instance', 'job']);
    const matched = await get(`/api/v1/labels?match[]=up`);
    expect(matched.json.data).toEqual(['__name__', 'instance', 'job']);
    const values = await get('/api/v1/label/__name__/values');
    expect(values.json.data).toEqual(['http_requests_total', 'temperature', 'up']);
    const jobs = await get(`/api/v1/label/job/values?match[]=temperature`);
    expect(jobs.json.data).toEqual(['api']);
    const bad = await get('/api/v1/label/x%ff/values'); // not UTF-8
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ status: 'error', errorType: 'bad_data', error: 'invalid label name: "x%ff"' });
  });

  it('metadata learnt from remote write', async () => {
    const r = await get('/api/v1/metadata');
    expect(r.json).toEqual({ status: 'success', data: { http_requests_total: [{ type: 'counter', help: 'Requests.', unit: '' }] } });
    expect((await get('/api/v1/metadata?metric=up')).json.data).toEqual({});
    expect((await get('/api/v1/metadata?limit=0')).json.data).toEqual({});
  });

  it('buildinfo and the empty endpoints Grafana probes', async () => {
    const b = await get('/api/v1/status/buildinfo');
    expect(b.json.status).toBe('success');
    expect(Object.keys(b.json.data).sort()).toEqual(['branch', 'buildDate', 'buildUser', 'goVersion', 'revision', 'version']);
    expect((await get('/api/v1/rules')).json).toEqual({ status: 'success', data: { groups: [] } });
    expect((await post('/api/v1/query_exemplars', { query: 'up' })).json).toEqual({ status: 'success', data: [] });
    expect((await get(`/api/v1/format_query?query=${encodeURIComponent('sum by(job)(rate(x[5m]))')}`)).json).toEqual({ status: 'success', data: 'sum by (job) (rate(x[5m]))' });
    expect((await get('/api/v1/format_query?query=sum(')).status).toBe(400);
  });
});

describe('tenants, partial answers, request ids', () => {
  it('scopes reads and writes by X-Scope-OrgID', async () => {
    const w = await remoteWrite(encodeRemoteWrite([series('secret', { job: 'x', instance: 'y' }, [[T0, 7]])]), { 'X-Scope-OrgID': 'team-b' });
    expect(w.status).toBe(204);
    const other = await get(`/api/v1/query?query=secret&time=${T0 / 1000}`);
    expect(other.json.data.result).toEqual([]);
    const mine = await get(`/api/v1/query?query=secret&time=${T0 / 1000}`, { 'X-Scope-OrgID': 'team-b' });
    expect(mine.json.data.result).toHaveLength(1);
    const bad = await get(`/api/v1/query?query=up&time=1`, { 'X-Scope-OrgID': 'bad tenant/../' });
    expect(bad.status).toBe(400);
  });

  it('echoes or assigns X-Request-Id', async () => {
    expect((await get('/api/v1/query?query=1', { 'X-Request-Id': 'abc-123' })).headers.get('x-request-id')).toBe('abc-123');
    expect((await get('/api/v1/query?query=1')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a stale marker ends a series', async () => {
    const ts = T0 + 3_600_000;
    const w = await remoteWrite(encodeRemoteWrite([series('flappy', { job: 'f', instance: 'i' }, [[ts, 1], [ts + 15_000, STALE_NAN]])]));
    expect(w.status).toBe(204);
    expect((await get(`/api/v1/query?query=flappy&time=${(ts + 10_000) / 1000}`)).json.data.result).toHaveLength(1);
    expect((await get(`/api/v1/query?query=flappy&time=${(ts + 20_000) / 1000}`)).json.data.result).toEqual([]);
  });
});

describe('ops endpoints and unknown routes', () => {
  it('serves /metrics, /-/healthy, /-/ready', async () => {
    const m = await (await fetch(`${base}/metrics`)).text();
    expect(m).toMatch(/canopy_gateway_http_requests_total\{handler="query",code="200"\} \d+/);
    expect(m).toMatch(/canopy_gateway_query_fanout_children_count \d+/);
    expect(m).toMatch(/canopy_gateway_remote_write_samples_total\{outcome="accepted"\} \d+/);
    expect(m).toMatch(/canopy_gateway_leaf_state\{leaf="leaf-1",state="up"\} 1/);
    expect(m).toMatch(/canopy_breaker_state\{leaf="leaf-\d"\} 0/); // src/reliability's breakers, on the gateway's registry
    expect(m).toMatch(/process_cpu_user_seconds_total/);
    const h = await fetch(`${base}/-/healthy`);
    expect(h.status).toBe(200);
    const r = await fetch(`${base}/-/ready`);
    expect(r.status).toBe(200);
  });

  it('404 for unknown paths, 405 for wrong methods', async () => {
    expect((await fetch(`${base}/api/v1/nope`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/query`, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(`${base}/api/v1/write`)).status).toBe(405);
  });
});

describe('gRPC health checking and reflection', () => {
  it('answers grpc.health.v1.Health/Check with SERVING', async () => {
    const Ctor = grpc.makeGenericClientConstructor(healthService as unknown as grpc.ServiceDefinition, 'Health');
    const c = new Ctor(cluster.gateway.address, grpc.credentials.createInsecure()) as unknown as { Check(req: unknown, cb: (e: Error | null, r: { status: string }) => void): void; close(): void };
    const res = await new Promise<{ status: string }>((resolve, reject) => c.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r))));
    c.close();
    expect(res.status).toBe('SERVING');
  });

  it('lists the public services through server reflection (what grpcurl uses)', async () => {
    const require = createRequire(import.meta.url);
    const file = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, { keepCase: true, oneofs: true })) as any;
    const client = new pkg.grpc.reflection.v1.ServerReflection(cluster.gateway.address, grpc.credentials.createInsecure());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (r: any) => {
        resolve(r.list_services_response.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    expect(names).toEqual(expect.arrayContaining(['canopy.v1.Query', 'canopy.v1.Write', 'canopy.v1.Admin']));
    // What grpcurl asks next to describe or call a method: the file descriptors of a symbol.
    const files = await new Promise<Buffer[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (r: any) => {
        if (r.error_response) reject(new Error(r.error_response.error_message));
        else resolve(r.file_descriptor_response.file_descriptor_proto);
        call.end();
      });
      call.on('error', reject);
      call.write({ file_containing_symbol: 'canopy.v1.Query' });
    });
    client.close();
    expect(files.length).toBeGreaterThan(0);
    expect(Buffer.concat(files).toString('latin1')).toMatch(/InstantQueryRequest/);
  });
});
