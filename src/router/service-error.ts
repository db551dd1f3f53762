/**
 * `toServiceError` for the gateway's handlers, made safe to send: grpc-js percent-encodes the
 * status message with `encodeURI`, which throws on lone UTF-16 surrogates (they can come back
 * quoted from a user's query or labels); a throw there would leave the call unanswered.
 */
import { toServiceError } from '../rpc/index.js';

export function gatewayServiceError(e: unknown): ReturnType<typeof toServiceError> {
  const se = toServiceError(e);
  const fix = (s: string | undefined): string | undefined => (s === undefined ? s : (s as unknown as { toWellFormed(): string }).toWellFormed());
  se.message = fix(se.message)!;
  if (se.details !== undefined) se.details = fix(se.details);
  return se;
}
