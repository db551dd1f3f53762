/**
 * Handlers of the Prometheus HTTP API read endpoints, each `(ApiRequest) → Reply`, with
 * Prometheus's parameter handling, validation order and messages (web/api/v1/api.go).
 */
import { CanopyError, compileMatcher, ExecutionError, InvalidArgumentError, validateTenant, type Matcher } from '../model/index.js';
import { formatExpr, parse as parsePromQL, parseSeriesSelector } from '../promql/index.js';
import type { ApiQueryOptions, PromApiBackend, QuerySpec } from './backend.js';
import type { MetadataStore } from './metadata-store.js';
import { durationParam, FormParams, invalidParam, limitParam, MAX_TIME_MS, MIN_TIME_MS, parseDuration, parseTime, requiredTimeParam, timeParam } from './params.js';
import { queryDataJson, successJson } from './prom-json.js';

export interface ApiRequest {
  params: FormParams;
  /** From the `X-Scope-OrgID` header; '' = default tenant. */
  tenant: string;
  /** The request id (X-Request-Id), for the query's logs. */
  requestId?: string;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  backend: PromApiBackend;
  metadata: MetadataStore;
  /** Clock (tests pin it). */
  now: () => number;
  /** Set by handlers for metrics: fan-out size and pruned children of the query. */
  fanout?: { expected: number; pruned: number };
}

export interface Reply {
  status: number;
  body: string;
  contentType?: string;
}

const ok = (body: string): Reply => ({ status: 200, body });

/** Prometheus refuses range queries with more points per series than this. */
export const MAX_POINTS = 11_000;

function queryOptions(r: ApiRequest): ApiQueryOptions {
  if (r.tenant !== '') {
    const bad = validateTenant(r.tenant);
    if (bad !== undefined) throw new InvalidArgumentError(`invalid tenant (X-Scope-OrgID): ${bad}`);
  }
  const timeout = durationParam(r.params, 'timeout');
  const lookback = durationParam(r.params, 'lookback_delta');
  const partial = r.params.get('partial_response');
  if (partial !== '' && partial !== 'true' && partial !== 'false') throw invalidParam('partial_response', new Error(`cannot parse ${JSON.stringify(partial)}: expected true or false`));
  return {
    tenant: r.tenant,
    timeoutMs: timeout !== undefined && timeout > 0 ? Math.max(1, Math.floor(timeout)) : 0,
    partial: partial === 'false' ? 'abort' : 'warn',
    lookbackDeltaMs: lookback !== undefined && lookback > 0 ? Math.floor(lookback) : 0,
    ...(r.requestId ? { requestId: r.requestId } : {}),
  };
}

/**
 * Errors of preparing the query are `invalid parameter "query"` in Prometheus (parse errors read
 * `1:5: parse error: …`); evaluation errors pass through.
 */
function queryError(e: unknown): unknown {
  if (!(e instanceof CanopyError)) return e;
  if (e.code === 'PARSE') return new InvalidArgumentError(`invalid parameter "query": ${promParseMessage(e)}`);
  if (e.code === 'INVALID_ARGUMENT' && /^invalid expression type /.test(e.message)) return new InvalidArgumentError(`invalid parameter "query": ${e.message}`);
  // Parameters and the tenant are checked before the backend is called: a bad-argument error
  // from it was raised while evaluating, which Prometheus reports as `execution` (422).
  if (e.code === 'INVALID_ARGUMENT' && e.name !== 'ExecutionError') return new ExecutionError(e.message);
  return e;
}

/** A ParseError as Prometheus words it: `1:5: parse error: unexpected …`. */
function promParseMessage(e: CanopyError): string {
  const pe = e as CanopyError & { line?: number; column?: number };
  const msg = e.message.replace(/^parse error at line \d+, column \d+: /, '');
  return `${pe.line ?? 1}:${pe.column ?? 1}: parse error: ${msg}`;
}

async function runQuery(r: ApiRequest, spec: QuerySpec, opts: ApiQueryOptions): Promise<Reply> {
  const query = r.params.get('query');
  let ans;
  try {
    ans = await r.backend.query(query, spec, opts, r.signal);
  } catch (e) {
    throw queryError(e);
  }
  r.fanout = ans.fanout;
  return ok(successJson({ data: queryDataJson(ans.value), warnings: ans.warnings, infos: ans.infos, health: ans.health }));
}

export async function handleQuery(r: ApiRequest): Promise<Reply> {
  const timeMs = timeParam(r.params, 'time', r.now());
  const opts = queryOptions(r);
  return runQuery(r, { kind: 'instant', timeMs }, opts);
}

export async function handleQueryRange(r: ApiRequest): Promise<Reply> {
  const p = r.params;
  const startMs = requiredTimeParam(p, 'start');
  const endMs = requiredTimeParam(p, 'end');
  if (endMs < startMs) throw new InvalidArgumentError('end timestamp must not be before start time');
  let step: number;
  try {
    step = parseDuration(p.get('step'));
  } catch (e) {
    throw invalidParam('step', e);
  }
  const stepMs = Math.floor(step);
  if (!(stepMs > 0)) throw new InvalidArgumentError('zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (Math.floor((endMs - startMs) / step) > MAX_POINTS) {
    throw new InvalidArgumentError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  }
  const opts = queryOptions(r);
  return runQuery(r, { kind: 'range', startMs, endMs, stepMs }, opts);
}

/** `match[]` selectors; each must have a matcher that does not match the empty string. */
function matcherSets(values: readonly string[]): Matcher[][] {
  const sets: Matcher[][] = [];
  for (const v of values) {
    const ms = parseSeriesSelector(v) as Matcher[];
    if (ms.every((m) => compileMatcher(m).matches(''))) throw new InvalidArgumentError('match[] must contain at least one non-empty matcher');
    sets.push(ms);
  }
  return sets;
}

function selectorsOf(r: ApiRequest): Matcher[][] {
  try {
    return matcherSets(r.params.getAll('match[]'));
  } catch (e) {
    if (e instanceof CanopyError && e.code === 'PARSE') throw new InvalidArgumentError(promParseMessage(e));
    throw e;
  }
}

/** start/end of metadata requests: absent or Prometheus's MinTime/MaxTime = unbounded. */
function window(r: ApiRequest): [number | undefined, number | undefined] {
  const s = timeParam(r.params, 'start', MIN_TIME_MS);
  const e = timeParam(r.params, 'end', MAX_TIME_MS);
  return [s <= MIN_TIME_MS ? undefined : s, e >= MAX_TIME_MS ? undefined : e];
}

const TRUNCATED = 'results truncated due to limit';

export async function handleSeries(r: ApiRequest): Promise<Reply> {
  if (r.params.getAll('match[]').length === 0) throw new InvalidArgumentError('no match[] parameter provided');
  const [start, end] = window(r);
  const limit = limitParam(r.params);
  const sets = selectorsOf(r);
  const ans = await r.backend.series(sets, start, end, limit > 0 ? limit + 1 : 0, queryOptions(r), r.signal);
  let value = ans.value;
  const warnings = [...ans.warnings];
  if (limit > 0 && value.length > limit) {
    value = value.slice(0, limit);
    warnings.push(TRUNCATED);
  }
  const data = '[' + value.map((ls) => JSON.stringify(Object.fromEntries(ls.map((l) => [l.name, l.value])))).join(',') + ']';
  return ok(successJson({ data, warnings, health: ans.health }));
}

export async function handleLabels(r: ApiRequest): Promise<Reply> {
  const [start, end] = window(r);
  const limit = limitParam(r.params);
  const sets = selectorsOf(r);
  const ans = await r.backend.labelNames(sets, start, end, limit > 0 ? limit + 1 : 0, queryOptions(r), r.signal);
  return listReply(ans.value, ans.warnings, ans.health, limit);
}

const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `name` is the decoded path segment ('' when it did not decode), `raw` as sent. */
export async function handleLabelValues(r: ApiRequest, name: string, raw = name): Promise<Reply> {
  // Prometheus 3 accepts any UTF-8 name here (and `U__` escaped names); 2.x only legacy names.
  let label = name;
  if (label.startsWith('U__')) label = unescapeName(label);
  if (label === '' || (!LEGACY_LABEL_NAME.test(label) && !isWellFormed(label))) throw new InvalidArgumentError(`invalid label name: ${JSON.stringify(name === '' ? raw : name)}`);
  const [start, end] = window(r);
  const limit = limitParam(r.params);
  const sets = selectorsOf(r);
  const ans = await r.backend.labelValues(label, sets, start, end, limit > 0 ? limit + 1 : 0, queryOptions(r), r.signal);
  return listReply(ans.value, ans.warnings, ans.health, limit);
}

function listReply(values: string[], warnings: string[], health: unknown, limit: number): Reply {
  const w = [...warnings];
  let v = values;
  if (limit > 0 && v.length > limit) {
    v = v.slice(0, limit);
    w.push(TRUNCATED);
  }
  return ok(successJson({ data: JSON.stringify(v), warnings: w, health }));
}

function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Prometheus's `U__` value escaping: `_` ↔ `__`, `_XX_` hex code points. */
function unescapeName(s: string): string {
  const body = s.slice(3);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '_') {
      out += c;
      continue;
    }
    if (body[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const end = body.indexOf('_', i + 1);
    if (end < 0) return s;
    const cp = parseInt(body.slice(i + 1, end), 16);
    if (!Number.isFinite(cp)) return s;
    out += String.fromCodePoint(cp);
    i = end;
  }
  return out;
}

export async function handleMetadata(r: ApiRequest): Promise<Reply> {
  const limit = optionalInt(r.params, 'limit', -1);
  const perMetric = optionalInt(r.params, 'limit_per_metric', -1);
  const data = r.metadata.query(r.tenant, r.params.get('metric'), limit < 0 ? 0 : limit, perMetric < 0 ? 0 : perMetric);
  // Prometheus: limit=0 returns nothing.
  return ok(successJson({ data: limit === 0 ? '{}' : JSON.stringify(data) }));
}

function optionalInt(p: FormParams, name: string, def: number): number {
  const v = p.get(name);
  if (v === '') return def;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`invalid ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** /api/v1/format_query: the query pretty-printed (Grafana's "format query" button). */
export function handleFormatQuery(r: ApiRequest): Reply {
  let text: string;
  try {
    text = formatExpr(parsePromQL(r.params.get('query')));
  } catch (e) {
    throw queryError(e);
  }
  return ok(successJson({ data: JSON.stringify(text) }));
}

export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

export function handleBuildInfo(info: BuildInfo): Reply {
  return ok(successJson({ data: JSON.stringify(info) }));
}

/** Endpoints Grafana calls that Canopy has nothing for: answered empty, Prometheus-shaped. */
export const EMPTY_ENDPOINTS: Record<string, string> = {
  '/api/v1/query_exemplars': '[]',
  '/api/v1/rules': '{"groups":[]}',
  '/api/v1/alerts': '{"alerts":[]}',
  '/api/v1/targets': '{"activeTargets":[],"droppedTargets":[]}',
  '/api/v1/alertmanagers': '{"activeAlertmanagers":[],"droppedAlertmanagers":[]}',
};
