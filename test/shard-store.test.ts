import { MemoryAssignmentStore } from '../src/shard/index.js';
import { assignmentStoreAcceptance } from './shard-store-suite.js';

assignmentStoreAcceptance('MemoryAssignmentStore', async () => new MemoryAssignmentStore(), 5);
