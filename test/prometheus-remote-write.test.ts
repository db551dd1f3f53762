/**
 * The real thing: Debian's Prometheus scrapes a small test exporter (and Canopy's own /metrics)
 * every second and remote-writes everything into Canopy's gateway (an embedded cluster: 3 leaves,
 * real gRPC, HTTP on loopback). Then the same queries go to Prometheus (its own TSDB) and to
 * Canopy (what arrived over remote write), through the HTTP API, and must answer alike.
 * Skipped when `prometheus` is not installed.
 */
import * as http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCluster, type EmbeddedCluster } from '../src/cli/cluster.js';
import { compareAnswers } from './compliance/compare.js';
import { prometheusAvailable, startPrometheus, type PrometheusHandle } from './compliance/prometheus.js';

let cluster: EmbeddedCluster;
let prom: PrometheusHandle;
let exporter: http.Server;
let canopyUrl: string;

async function api(base: string, path: string, form: Record<string, string | string[]>): Promise<any> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  const r = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return r.json();
}

async function instant(base: string, query: string, timeS: number): Promise<any> {
  return api(base, '/api/v1/query', { query, time: String(timeS) });
}

describe.skipIf(!prometheusAvailable())('a real Prometheus remote-writing into Canopy', () => {
  beforeAll(async () => {
    let hits = 0;
    exporter = http.createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      res.end(
        '# HELP test_requests_total Requests served.\n# TYPE test_requests_total counter\n' +
          `test_requests_total{path="/a"} ${hits * 3}\ntest_requests_total{path="/b"} ${hits * 7 + 0.5}\n` +
          '# HELP test_temperature_celsius A gauge.\n# TYPE test_temperature_celsius gauge\n' +
          `test_temperature_celsius ${20 + Math.sin(hits)}\n` +
          (hits % 4 < 2 ? `test_flapping 1\n` : ''),
      );
    });
    await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
    const exporterAddr = `127.0.0.1:${(exporter.address() as { port: number }).port}`;
    cluster = await startEmbeddedCluster({ leaves: 3, grpcAddr: '127.0.0.1:0', httpAddr: '127.0.0.1:0', logger: pino({ level: 'silent' }) });
    canopyUrl = `http://${cluster.gateway.httpAddress}`;
    prom = await startPrometheus({
      config: `
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: exporter
    static_configs: [{ targets: ['${exporterAddr}'] }]
  - job_name: canopy
    static_configs: [{ targets: ['${cluster.gateway.httpAddress}'] }]
remote_write:
  - url: ${canopyUrl}/api/v1/write
    queue_config: { batch_send_deadline: 200ms, min_backoff: 50ms, max_backoff: 500ms }
    metadata_config: { send_interval: 1s }
`,
    });
    // Until Canopy has ~10 s of the exporter's series (bounded wait). Queries then stay clear of
    // the counters' first samples: Prometheus 2.42 and 3 extrapolate rate() differently where a
    // counter starts inside the window (2.42 clamps to the zero point before the 1.1× threshold
    // test, 3 after it), and Canopy implements 3.
    const until = Date.now() + 40_000;
    for (;;) {
      const r = await instant(canopyUrl, 'count_over_time(test_requests_total{path="/a"}[1m])', Date.now() / 1000);
      if (Number(r.data?.result?.[0]?.value?.[1] ?? 0) >= 10) break;
      if (Date.now() > until) throw new Error(`Canopy did not receive samples in time; Prometheus log:\n${prom.log().slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }, 60_000);

  afterAll(async () => {
    await prom?.stop();
    await cluster?.stop();
    await new Promise<void>((r) => (exporter ? exporter.close(() => r()) : r()));
  });

  /**
   * A time both have complete data for: the oldest "latest sample" among Canopy's series of both
   * jobs (label_replace keeps series apart once timestamp() drops their names), minus 1 s.
   */
  async function settledTime(): Promise<number> {
    const r = await instant(canopyUrl, 'min(timestamp(label_replace({job=~"exporter|canopy"}, "name", "$1", "__name__", "(.+)")))', Date.now() / 1000);
    if (!r.data) throw new Error(JSON.stringify(r));
    return Math.round(Number(r.data.result[0].value[1]) * 1000 - 1000) / 1000;
  }

  it('answers instant and range queries exactly as Prometheus does over the same samples', async () => {
    const t = await settledTime();
    const queries = [
      'test_requests_total',
      'rate(test_requests_total[4500ms])',
      'sum by (path) (increase(test_requests_total[3500ms]))',
      'test_temperature_celsius * 2',
      'up',
      'sum by (job) (up)',
      'count by (job) ({job=~".+"})',
      'scrape_samples_scraped',
      'test_flapping',
      'max_over_time(test_temperature_celsius[5s])',
      'canopy_gateway_remote_write_samples_total > 0',
    ];
    for (const q of queries) {
      const [a, b] = await Promise.all([instant(prom.url, q, t), instant(canopyUrl, q, t)]);
      // Instant vectors come in no particular order: sort both sides by label set.
      const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
      const asMatrix = (x: any) => ({
        status: 200,
        ok: x.status === 'success',
        resultType: 'matrix',
        result: (x.data?.result ?? []).map((s: any) => ({ metric: s.metric, values: [s.value] })).sort((p: any, q: any) => (key(p.metric) < key(q.metric) ? -1 : 1)),
        error: x.error,
      });
      const v = compareAnswers(asMatrix(a), asMatrix(b), false, false);
      expect(v, `${q} @${t}`).toEqual({ same: true });
      expect(a.data.result.length, q).toBeGreaterThan(0);
    }
    const range = { start: String(t - 4), end: String(t), step: '1' };
    for (const q of ['test_requests_total', 'rate(test_requests_total[2500ms])', 'test_flapping', 'sum(up)']) {
      const [a, b] = await Promise.all([api(prom.url, '/api/v1/query_range', { query: q, ...range }), api(canopyUrl, '/api/v1/query_range', { query: q, ...range })]);
      const v = compareAnswers({ status: 200, ok: a.status === 'success', resultType: a.data?.resultType, result: a.data?.result }, { status: 200, ok: b.status === 'success', resultType: b.data?.resultType, result: b.data?.result }, false, false);
      expect(v, q).toEqual({ same: true });
    }
  });

  it('series, label names and label values match', async () => {
    const t = await settledTime();
    const window = { start: String(t - 3), end: String(t) };
    const [sa, sb] = await Promise.all([api(prom.url, '/api/v1/series', { 'match[]': '{job="exporter"}', ...window }), api(canopyUrl, '/api/v1/series', { 'match[]': '{job="exporter"}', ...window })]);
    const key = (x: Record<string, string>) => JSON.stringify(Object.entries(x).sort());
    expect(sb.data.map(key).sort()).toEqual(sa.data.map(key).sort());
    const [la, lb] = await Promise.all([api(prom.url, '/api/v1/labels', { 'match[]': '{job="exporter"}', ...window }), api(canopyUrl, '/api/v1/labels', { 'match[]': '{job="exporter"}', ...window })]);
    expect(lb.data).toEqual(la.data);
    const [va, vb] = await Promise.all([
      fetch(`${prom.url}/api/v1/label/path/values?match[]=test_requests_total`).then((r) => r.json()),
      fetch(`${canopyUrl}/api/v1/label/path/values?match[]=test_requests_total`).then((r) => r.json()),
    ]);
    expect(vb.data).toEqual(va.data);
  });

  it('learns metric metadata from remote write', async () => {
    const until = Date.now() + 10_000;
    let md: any;
    do {
      md = await (await fetch(`${canopyUrl}/api/v1/metadata?metric=test_requests_total`)).json();
      if (md.data.test_requests_total) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < until);
    expect(md.data.test_requests_total).toEqual([{ type: 'counter', help: 'Requests served.', unit: '' }]);
  });
});
