/**
 * The one registry of Canopy's errors. Every error that can cross the edge (gRPC or HTTP) is a
 * `CanopyError` with a stable code; `toGrpcCode` / `toHttp` in src/rpc and src/router map it in
 * one place. Expected failures inside hot loops are values, not exceptions.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'PARSE'
  | 'NOT_FOUND'
  | 'RESOURCE_EXHAUSTED'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'CANCELLED'
  | 'PARTIAL'
  | 'INTERNAL';

/** Prometheus HTTP API error types (`errorType` in the JSON body). */
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable' | 'not_found';

/** gRPC status codes (numeric, as in @grpc/grpc-js `status`), kept here so model has no rpc dependency. */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

interface ErrorSpec {
  grpc: number;
  http: number;
  prom: PromErrorType;
}

export const ERROR_REGISTRY: Record<ErrorCode, ErrorSpec> = {
  INVALID_ARGUMENT: { grpc: GRPC.INVALID_ARGUMENT, http: 400, prom: 'bad_data' },
  PARSE: { grpc: GRPC.INVALID_ARGUMENT, http: 400, prom: 'bad_data' },
  NOT_FOUND: { grpc: GRPC.NOT_FOUND, http: 404, prom: 'not_found' },
  RESOURCE_EXHAUSTED: { grpc: GRPC.RESOURCE_EXHAUSTED, http: 422, prom: 'execution' },
  DEADLINE_EXCEEDED: { grpc: GRPC.DEADLINE_EXCEEDED, http: 503, prom: 'timeout' },
  UNAVAILABLE: { grpc: GRPC.UNAVAILABLE, http: 503, prom: 'unavailable' },
  CANCELLED: { grpc: GRPC.CANCELLED, http: 499, prom: 'canceled' },
  PARTIAL: { grpc: GRPC.UNAVAILABLE, http: 503, prom: 'execution' },
  INTERNAL: { grpc: GRPC.INTERNAL, http: 500, prom: 'internal' },
};

export class CanopyError extends Error {
  readonly code: ErrorCode;
  /** Extra structured detail (e.g. the QueryHealth of an aborted partial answer). */
  readonly detail: unknown;
  constructor(code: ErrorCode, message: string, detail?: unknown) {
    super(message);
    this.name = 'CanopyError';
    this.code = code;
    this.detail = detail;
  }
  get grpcCode(): number {
    return ERROR_REGISTRY[this.code].grpc;
  }
  get httpStatus(): number {
    return ERROR_REGISTRY[this.code].http;
  }
  get promErrorType(): PromErrorType {
    return ERROR_REGISTRY[this.code].prom;
  }
}

export class InvalidArgumentError extends CanopyError {
  constructor(message: string, detail?: unknown) {
    super('INVALID_ARGUMENT', message, detail);
    this.name = 'InvalidArgumentError';
  }
}

/** A PromQL syntax or semantic error, positioned at 1-based line:column of the query text. */
export class ParseError extends CanopyError {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super('PARSE', `parse error at line ${line}, column ${column}: ${message}`);
    this.name = 'ParseError';
    this.line = line;
    this.column = column;
  }
}

/** An evaluation failure that Prometheus would report as `execution` (e.g. many-to-many matching). */
export class ExecutionError extends CanopyError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
    this.name = 'ExecutionError';
  }
}

export class LimitError extends CanopyError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
    this.name = 'LimitError';
  }
}

export class UnavailableError extends CanopyError {
  constructor(message: string, detail?: unknown) {
    super('UNAVAILABLE', message, detail);
    this.name = 'UnavailableError';
  }
}

export class DeadlineError extends CanopyError {
  constructor(message: string, detail?: unknown) {
    super('DEADLINE_EXCEEDED', message, detail);
    this.name = 'DeadlineError';
  }
}

export function isCanopyError(e: unknown): e is CanopyError {
  return e instanceof CanopyError;
}

/** Any thrown value → a CanopyError (unknown errors become INTERNAL with their message). */
export function asCanopyError(e: unknown): CanopyError {
  if (e instanceof CanopyError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new CanopyError('INTERNAL', msg);
}
