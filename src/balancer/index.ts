/** Public face of src/balancer: the balancer loop, its policy, the move protocol and splits. */
export { Balancer, type BalancerOptions, type ActionRecord } from './balancer.js';
export { planActions, leafScores, rangeLoads, DEFAULT_POLICY, type Action, type BalancerPolicy, type ClusterState } from './policy.js';
export { moveReplica, gatewayBarrier, MoveError, type MoveRequest, type MoveOutcome, type MoverDeps } from './mover.js';
export { splitRange, splitKeyFromLoads, nextRangeId, type SplitOutcome } from './split.js';
export { pullRangeInto, type TransferResult } from './transfer-client.js';
export { bootstrapRanges } from './bootstrap.js';
