/**
 * Prometheus HTTP API JSON encoding: the success envelope (`status`, `data`, `warnings`,
 * `infos`), result shapes (vector, matrix, scalar, string), the error envelope (`status`,
 * `errorType`, `error`) with Prometheus's status codes, plus Canopy's `health` field (the
 * QueryHealth; Grafana ignores unknown fields).
 *
 * Sample values are strings in Go's `strconv.FormatFloat(v, 'f', -1, 64)` form (never an
 * exponent; `NaN`, `+Inf`, `-Inf`); timestamps are unix seconds as JSON numbers. Matrices are
 * built as one string, series by series, without an object per sample.
 */
import type { QueryValue } from '../engine/index.js';
import { CanopyError, type Labels, type PromErrorType } from '../model/index.js';

/**
 * A float as Prometheus prints sample values (Go `strconv.FormatFloat(v, 'f', -1, 64)`):
 * shortest round-trip digits, never exponent notation; NaN, +Inf, -Inf spelled out. Also the
 * CLI's `formatPromValue`.
 */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand d.ddde±x into plain decimal digits.
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const intLen = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (intLen <= 0) out = '0.' + '0'.repeat(-intLen) + digits;
  else if (intLen >= digits.length) out = digits + '0'.repeat(intLen - digits.length);
  else out = digits.slice(0, intLen) + '.' + digits.slice(intLen);
  return (neg ? '-' : '') + out;
}

/** ms → the JSON number of unix seconds (`1767225600.5`). */
export function formatTime(ms: number): string {
  return String(ms / 1000);
}

export function metricJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(labels[i]!.name) + ':' + JSON.stringify(labels[i]!.value);
  }
  return out + '}';
}

/** The `data` object of a query answer, as JSON text. */
export function queryDataJson(v: QueryValue): string {
  switch (v.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":[${formatTime(v.t)},"${formatValue(v.v)}"]}`;
    case 'string':
      return `{"resultType":"string","result":[${formatTime(v.t)},${JSON.stringify(v.v)}]}`;
    case 'vector': {
      const parts: string[] = [];
      for (const s of v.samples) parts.push(`{"metric":${metricJson(s.labels)},"value":[${formatTime(s.t)},"${formatValue(s.v)}"]}`);
      return `{"resultType":"vector","result":[${parts.join(',')}]}`;
    }
    case 'matrix': {
      const parts: string[] = [];
      for (const s of v.series) {
        const pts: string[] = new Array(s.t.length);
        for (let i = 0; i < s.t.length; i++) pts[i] = `[${formatTime(s.t[i]!)},"${formatValue(s.v[i]!)}"]`;
        parts.push(`{"metric":${metricJson(s.labels)},"values":[${pts.join(',')}]}`);
      }
      return `{"resultType":"matrix","result":[${parts.join(',')}]}`;
    }
  }
}

export interface Envelope {
  /** JSON text of `data`. */
  data: string;
  warnings?: readonly string[];
  infos?: readonly string[];
  /** Canopy's QueryHealth (any JSON-able object). */
  health?: unknown;
}

/** `{"status":"success","data":…,"warnings":[…],"infos":[…],"health":{…}}` (empty lists omitted). */
export function successJson(e: Envelope): string {
  let out = `{"status":"success","data":${e.data}`;
  if (e.warnings && e.warnings.length > 0) out += `,"warnings":${JSON.stringify(e.warnings)}`;
  if (e.infos && e.infos.length > 0) out += `,"infos":${JSON.stringify(e.infos)}`;
  if (e.health !== undefined) out += `,"health":${JSON.stringify(e.health)}`;
  return out + '}';
}

/** Prometheus's status code per errorType (web/api/v1/api.go respondError). */
export const ERROR_STATUS: Record<PromErrorType, number> = {
  bad_data: 400,
  execution: 422,
  canceled: 499,
  timeout: 503,
  internal: 500,
  unavailable: 503,
  not_found: 404,
};

export interface ApiError {
  status: number;
  errorType: PromErrorType;
  message: string;
  /** QueryHealth of a failed (e.g. aborted partial) query, when known. */
  health?: unknown;
}

/** Any thrown value → the Prometheus error it is. Evaluation errors are `execution` (422), as in Prometheus. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof CanopyError) {
    let errorType: PromErrorType = e.promErrorType;
    if (e.name === 'ExecutionError') errorType = 'execution';
    const health = (e.detail as { health?: unknown } | undefined)?.health;
    return { status: ERROR_STATUS[errorType], errorType, message: e.message, ...(health !== undefined ? { health } : {}) };
  }
  return { status: 500, errorType: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export function errorJson(err: ApiError): string {
  let out = `{"status":"error","errorType":${JSON.stringify(err.errorType)},"error":${JSON.stringify(err.message)}`;
  if (err.health !== undefined) out += `,"health":${JSON.stringify(err.health)}`;
  return out + '}';
}
