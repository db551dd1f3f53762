/**
 * Server-side pieces shared by the leaf daemon (src/leaf/server.ts) and the gateway
 * (src/router/gateway.ts): graceful shutdown, and a service definition whose `Write` requests are
 * decoded by the hand-written codec of write-wire.ts.
 */
import type * as grpc from '@grpc/grpc-js';
import { decodeWriteRequest, type WireWriteRequest } from './write-wire.js';

/** How long a graceful shutdown may take before in-flight calls are cut, ms. */
export const SHUTDOWN_GRACE_MS = 2000;

/** Stops accepting calls, lets in-flight calls finish for up to `graceMs`, then forces the rest. */
export function shutdownServer(server: grpc.Server, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** A decoded `WriteRequest` / `LeafWriteRequest`; a malformed body decodes to `{ decodeError }`. */
export type DecodedWrite = WireWriteRequest & { decodeError?: string };

/**
 * `base` with its `Write` method's requests decoded by `decodeWriteRequest`: sample columns
 * arrive as Float64Arrays with stale-marker NaN payloads intact, which protobufjs would
 * canonicalise. A malformed request decodes to `{ decodeError }` (the handler answers
 * INVALID_ARGUMENT) instead of failing inside grpc-js.
 */
export function withWireWriteDecoder(base: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return {
    ...base,
    Write: {
      ...base['Write']!,
      requestDeserialize: (b: Buffer): DecodedWrite => {
        try {
          return decodeWriteRequest(b);
        } catch (e) {
          return { tenant: '', series: [], decodeError: e instanceof Error ? e.message : String(e) };
        }
      },
    },
  };
}
