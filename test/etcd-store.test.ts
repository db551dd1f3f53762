/**
 * The AssignmentStore acceptance suite against a real etcd (one per file, free loopback ports);
 * each store gets its own key prefix so the cases never see each other's keys.
 */
import { afterAll, beforeAll } from 'vitest';
import { EtcdAssignmentStore } from '../src/shard/index.js';
import { startEtcd, type EtcdHandle } from './helpers/etcd.js';
import { assignmentStoreAcceptance } from './shard-store-suite.js';

let etcd: EtcdHandle;
let n = 0;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.close();
});

assignmentStoreAcceptance('EtcdAssignmentStore', async () => EtcdAssignmentStore.connect({ endpoints: etcd.url, prefix: `/t${n++}/canopy/v1/` }), 150);
