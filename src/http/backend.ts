/**
 * The contract between the HTTP API and what answers it. The gateway implements it over its
 * planner, fan-out and ingest router (gateway-backend.ts); tests may implement it over anything.
 * Every answer carries the QueryHealth (any JSON-able object) and the warnings to show.
 */
import type { QueryValue } from '../engine/index.js';
import type { Label, Labels, Matcher } from '../model/index.js';

export type QuerySpec = { kind: 'instant'; timeMs: number } | { kind: 'range'; startMs: number; endMs: number; stepMs: number };

export interface ApiQueryOptions {
  /** '' = the default tenant. */
  tenant: string;
  /** 0 = the server's default. */
  timeoutMs: number;
  /** `partial_response=false` → abort; otherwise the server's default (warn). */
  partial: 'warn' | 'abort';
  /** 0 = default (5m). */
  lookbackDeltaMs: number;
  /** The HTTP request id, carried by every log line of the query (absent = none). */
  requestId?: string;
}

export interface QueryAnswer {
  value: QueryValue;
  warnings: string[];
  infos: string[];
  health: unknown;
  /** Fan-out size and pruning, for metrics. */
  fanout: { expected: number; pruned: number };
}

export interface ListAnswer<T> {
  value: T;
  warnings: string[];
  health: unknown;
}

export interface SeriesIn {
  labels: readonly Label[];
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface WriteAnswer {
  acceptedSamples: number;
  rejectedSamples: number;
  rejections: { reason: string; message: string; series: string; rejectedSamples: number }[];
  replicaErrors: string[];
}

export interface ReadyState {
  ready: boolean;
  message: string;
}

export interface PromApiBackend {
  /** Throws CanopyErrors (parse, execution, limits, partial ABORT, deadline). */
  query(query: string, spec: QuerySpec, opts: ApiQueryOptions, signal: AbortSignal): Promise<QueryAnswer>;
  series(selectors: Matcher[][], startMs: number | undefined, endMs: number | undefined, limit: number, opts: ApiQueryOptions, signal: AbortSignal): Promise<ListAnswer<Labels[]>>;
  labelNames(selectors: Matcher[][], startMs: number | undefined, endMs: number | undefined, limit: number, opts: ApiQueryOptions, signal: AbortSignal): Promise<ListAnswer<string[]>>;
  labelValues(name: string, selectors: Matcher[][], startMs: number | undefined, endMs: number | undefined, limit: number, opts: ApiQueryOptions, signal: AbortSignal): Promise<ListAnswer<string[]>>;
  /** Throws InvalidArgumentError when nothing was valid, UnavailableError when no quorum. */
  write(tenant: string, series: readonly SeriesIn[]): Promise<WriteAnswer>;
  ready(): ReadyState;
}
