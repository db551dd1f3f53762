/**
 * Loads Canopy's protos at run time with exactly the options the generated types assume
 * (package.json "gen": --longs=Number --enums=String --defaults --oneofs). Keep the two in step.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ProtoGrpcType as QueryProto } from './gen/query.js';
import type { ProtoGrpcType as WriteProto } from './gen/write.js';
import type { ProtoGrpcType as LeafProto } from './gen/leaf.js';
import type { ProtoGrpcType as AdminProto } from './gen/admin.js';

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

type Canopy = QueryProto & WriteProto & LeafProto & AdminProto;

let loaded: Canopy['canopy']['v1'] | undefined;

/** The canopy.v1 package: service constructors and message types. */
export function canopyProto(): Canopy['canopy']['v1'] {
  if (!loaded) {
    const def = protoLoader.loadSync(
      ['canopy/v1/query.proto', 'canopy/v1/write.proto', 'canopy/v1/leaf.proto', 'canopy/v1/admin.proto', 'canopy/v1/plan.proto'],
      LOADER_OPTIONS,
    );
    loaded = (grpc.loadPackageDefinition(def) as unknown as Canopy).canopy.v1;
  }
  return loaded;
}

/** Default message size limits: generous for Arrow batches, still bounded. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  // A leaf restarted at the same address must be reachable again within seconds: grpc-js's
  // default backoff grows to 120 s, during which the channel keeps failing fast.
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

export const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};
