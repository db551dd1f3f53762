/**
 * The edge mapping of errors to gRPC statuses: every error leaving a service handler goes
 * through `toServiceError`, and every gRPC error arriving from a peer through `fromServiceError`.
 */
import * as grpc from '@grpc/grpc-js';
import { asCanopyError, CanopyError, type ErrorCode } from '../model/index.js';

export function toServiceError(e: unknown): Partial<grpc.StatusObject> & Error {
  const ce = asCanopyError(e);
  // grpc-js throws on status messages with lone UTF-16 surrogates (they can come back quoted from
  // a user's query), which would leave the call unanswered: send a well-formed message always.
  const message = wellFormed(ce.message);
  const metadata = new grpc.Metadata();
  if (ce.detail !== undefined) {
    try {
      metadata.set('canopy-detail-bin', Buffer.from(JSON.stringify(ce.detail)));
    } catch {
      // detail not serialisable: the message still says what happened
    }
  }
  return Object.assign(new Error(message), { code: ce.grpcCode, details: message, metadata });
}

function wellFormed(s: string): string {
  return (s as unknown as { toWellFormed(): string }).toWellFormed();
}

const FROM_GRPC: Record<number, ErrorCode> = {
  [grpc.status.INVALID_ARGUMENT]: 'INVALID_ARGUMENT',
  [grpc.status.NOT_FOUND]: 'NOT_FOUND',
  [grpc.status.RESOURCE_EXHAUSTED]: 'RESOURCE_EXHAUSTED',
  [grpc.status.DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED',
  [grpc.status.UNAVAILABLE]: 'UNAVAILABLE',
  [grpc.status.CANCELLED]: 'CANCELLED',
};

export function fromServiceError(e: unknown): CanopyError {
  if (e instanceof CanopyError) return e;
  const se = e as Partial<grpc.ServiceError>;
  if (typeof se?.code === 'number') {
    let detail: unknown;
    const raw = se.metadata?.get('canopy-detail-bin')?.[0];
    if (raw) {
      try {
        detail = JSON.parse(Buffer.from(raw as Buffer).toString('utf8'));
      } catch {
        detail = undefined;
      }
    }
    return new CanopyError(FROM_GRPC[se.code] ?? 'INTERNAL', se.details ?? se.message ?? 'unknown error', detail);
  }
  return asCanopyError(e);
}
