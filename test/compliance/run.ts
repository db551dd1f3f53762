/**
 * The compliance comparison: one data set (demo-data.ts) is loaded into a real Prometheus
 * (Debian's 2.42, remote write receiver enabled) and into a local multi-process Canopy cluster
 * (deploy/local-cluster.ts: 3 leaves, 2 gateways) through the very same remote write bodies;
 * then every query of the compliance tester's list runs as a range query against both HTTP
 * APIs, and the answers are compared as the tester compares them (compare.ts).
 *
 *   npm run compliance [-- --json] [-- --filter REGEX] [-- --verbose] [-- --instant]
 *
 * prints one line per difference (known differences with their reason) and, with --json,
 * {"queries":N,"passed":P,"failed":F,"known_differences":K} as the last line (P + F + K = N).
 * Writes go to gateway-1 and queries to gateway-2, so answers also prove that any gateway
 * serves what another one ingested.
 */
import { startLocalCluster, type LocalCluster } from '../../deploy/local-cluster.js';
import { encodeRemoteWrite } from '../../src/http/index.js';
import { compareAnswers, type ApiAnswer } from './compare.js';
import { DATA_END_MS, demoData, timeSlices } from './demo-data.js';
import { explain, KNOWN_DIFFERENCES } from './known-differences.js';
import { startPrometheus, type PrometheusHandle } from './prometheus.js';
import { loadComplianceCases, type ComplianceCase } from '../promql/compliance-queries.js';

export interface CaseResult {
  query: string;
  status: 'passed' | 'failed' | 'known';
  kind?: string;
  detail?: string;
  reason?: string;
  knownId?: string;
}

export interface ComplianceSummary {
  queries: number;
  passed: number;
  failed: number;
  known_differences: number;
  results: CaseResult[];
  reference: string;
  /** Known-difference ids by count. */
  knownCounts: Record<string, number>;
}

/** The tester's default window: end = data end − 12 min, 10 min long, 10 s steps. */
export const QUERY_END_MS = DATA_END_MS - 12 * 60_000;
export const QUERY_START_MS = QUERY_END_MS - 10 * 60_000;
export const QUERY_STEP_S = 10;

export async function rangeQuery(base: string, query: string, startMs = QUERY_START_MS, endMs = QUERY_END_MS, stepS = QUERY_STEP_S): Promise<ApiAnswer> {
  return apiQuery(base, '/api/v1/query_range', new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepS) }));
}

/**
 * An instant query, its answer reshaped as a one-point matrix sorted by labels (instant vectors
 * come in no particular order), so the same comparison applies. Not part of the tester (which
 * only sends range queries): `--instant` adds these as extra checks.
 */
export async function instantQuery(base: string, query: string, timeMs = QUERY_END_MS): Promise<ApiAnswer> {
  const a = await apiQuery(base, '/api/v1/query', new URLSearchParams({ query, time: String(timeMs / 1000) }));
  if (!a.ok) return a;
  type S = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };
  if (a.resultType === 'vector') {
    const key = (m: Record<string, string>): string => JSON.stringify(Object.entries(m).sort());
    const rows = (a.result as S[]).map((x) => ({ metric: x.metric, values: [x.value!] })).sort((p, q) => (key(p.metric) < key(q.metric) ? -1 : key(p.metric) > key(q.metric) ? 1 : 0));
    return { ...a, resultType: 'matrix', result: rows };
  }
  return a;
}

async function apiQuery(base: string, path: string, body: URLSearchParams): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  let j: { status?: string; data?: { resultType?: string; result?: unknown }; error?: string; errorType?: string };
  try {
    j = JSON.parse(text);
  } catch {
    return { status: res.status, ok: false, error: `not JSON: ${text.slice(0, 200)}` };
  }
  if (j.status === 'success') return { status: res.status, ok: true, resultType: j.data?.resultType, result: j.data?.result };
  return { status: res.status, ok: false, error: j.error, errorType: j.errorType };
}

async function postWrite(url: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    body,
    headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
  });
  if (res.status !== 204 && res.status !== 200) throw new Error(`remote write to ${url}: ${res.status} ${await res.text()}`);
}

/** Loads the demo data set into both, in 2.5-minute slices (in time order: Prometheus's head needs it). */
export async function loadBoth(promUrl: string, canopyUrl: string): Promise<number> {
  let samples = 0;
  for (const slice of timeSlices(demoData(), 150_000)) {
    const body = encodeRemoteWrite(slice);
    for (const s of slice) samples += s.t.length;
    await Promise.all([postWrite(promUrl, body), postWrite(canopyUrl, body)]);
  }
  return samples;
}

export interface RunOptions {
  cases?: ComplianceCase[];
  /** Also run every query as an instant query at the window's end (extra cases, named "instant: …"). */
  instant?: boolean;
  log?: (line: string) => void;
  /** Queries in flight at once (per system). */
  concurrency?: number;
}

export async function runCompliance(opts: RunOptions = {}): Promise<ComplianceSummary> {
  const log = opts.log ?? (() => undefined);
  const cases = opts.cases ?? loadComplianceCases();
  let prom: PrometheusHandle | undefined;
  let cluster: LocalCluster | undefined;
  try {
    [prom, cluster] = await Promise.all([startPrometheus({ config: 'global:\n  scrape_interval: 5s\n', remoteWriteReceiver: true }), startLocalCluster({ leaves: 3, gateways: 2 })]);
    const writeUrl = `http://${cluster.gateways[0]!.http}`;
    const queryUrl = `http://${cluster.gateways[cluster.gateways.length - 1]!.http}`;
    log(`reference: Prometheus ${prom.version} at ${prom.url}; Canopy: ${cluster.leaves.length} leaves, ${cluster.gateways.length} gateways (write ${writeUrl}, query ${queryUrl})`);
    const t0 = Date.now();
    const samples = await loadBoth(prom.url, writeUrl);
    log(`loaded ${samples.toLocaleString('en-US')} samples into both in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const all = [...cases.map((c) => ({ ...c, instant: false })), ...(opts.instant ? cases.map((c) => ({ ...c, instant: true })) : [])];
    const results: CaseResult[] = new Array(all.length);
    let next = 0;
    const t1 = Date.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= all.length) return;
        const c = all[i]!;
        const q = c.instant ? instantQuery : rangeQuery;
        const [ref, test] = await Promise.all([q(prom!.url, c.query), q(queryUrl, c.query)]);
        const v = compareAnswers(ref, test, c.shouldFail, c.skipComparison);
        const name = c.instant ? `instant: ${c.query}` : c.query;
        if (v.same) {
          results[i] = { query: name, status: 'passed' };
          continue;
        }
        const known = explain(c.query, v.kind);
        if (!known) {
          results[i] = { query: name, status: 'failed', kind: v.kind, detail: v.detail };
          continue;
        }
        let detail = v.detail;
        if (known.referenceEquivalent) {
          const eq = known.referenceEquivalent(c.query);
          const check = compareAnswers(await q(prom!.url, eq), test, c.shouldFail, c.skipComparison);
          if (!check.same) {
            results[i] = { query: name, status: 'failed', kind: v.kind, detail: `${v.detail}; NOT explained by ${known.id}: reference answer to ${eq} still differs (${check.kind}: ${check.detail})` };
            continue;
          }
          detail += `; verified: reference answer to ${eq} equals Canopy's`;
        }
        results[i] = { query: name, status: 'known', kind: v.kind, detail, reason: known.reason, knownId: known.id };
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
    log(`ran ${all.length} queries against both in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    const knownCounts: Record<string, number> = {};
    for (const r of results) if (r.knownId) knownCounts[r.knownId] = (knownCounts[r.knownId] ?? 0) + 1;
    return {
      queries: all.length,
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      known_differences: results.filter((r) => r.status === 'known').length,
      results,
      reference: `Prometheus ${prom.version}`,
      knownCounts,
    };
  } finally {
    await Promise.all([prom?.stop(), cluster?.stop()]);
  }
}

export function report(s: ComplianceSummary, out: (line: string) => void): void {
  for (const r of s.results) {
    if (r.status === 'failed') out(`FAIL  ${r.query}\n      ${r.kind}: ${r.detail}`);
  }
  for (const d of KNOWN_DIFFERENCES) {
    const hits = s.results.filter((r) => r.knownId === d.id);
    if (hits.length === 0) continue;
    out(`KNOWN ${d.id} (${hits.length} queries): ${d.reason}`);
    for (const r of hits) out(`      ${r.query}\n        ${r.kind}: ${r.detail}`);
  }
  out(`compliance vs ${s.reference}: ${s.queries} queries, ${s.passed} passed, ${s.failed} failed, ${s.known_differences} known differences${Object.keys(s.knownCounts).length ? ` (${Object.entries(s.knownCounts).map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const fi = args.indexOf('--filter');
  let cases = loadComplianceCases();
  if (fi >= 0) {
    const re = new RegExp(args[fi + 1]!);
    cases = cases.filter((c) => re.test(c.query));
  }
  const err = (l: string): void => void process.stderr.write(l + '\n');
  const s = await runCompliance({ cases, log: err, instant: args.includes('--instant') });
  report(s, (l) => process.stdout.write(l + '\n'));
  if (args.includes('--verbose')) for (const r of s.results) if (r.status === 'passed') process.stdout.write(`ok    ${r.query}\n`);
  if (json) process.stdout.write(JSON.stringify({ queries: s.queries, passed: s.passed, failed: s.failed, known_differences: s.known_differences }) + '\n');
  process.exitCode = s.failed > 0 ? 1 : 0;
}

if (process.argv[1] && /compliance[/\\]run\.ts$/.test(process.argv[1])) {
  main().catch((e: unknown) => {
    process.stderr.write(`compliance: ${(e as Error).stack ?? e}\n`);
    process.exit(2);
  });
}
