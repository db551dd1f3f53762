/**
 * The leaf's Prometheus metrics, in a registry of its own (several leaves share one process in
 * `canopy dev` and in tests, so nothing goes to prom-client's global registry).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreStats } from './storage/index.js';

export interface LeafMetrics {
  readonly registry: Registry;
  /** Samples rejected on write, by reason (the Rejection reasons of types.proto). */
  readonly rejectedSamples: Counter<'reason'>;
  /** Series rejected (wholly or partly) on write, by reason. */
  readonly rejectedSeries: Counter<'reason'>;
  readonly appendedSamples: Counter;
  readonly executeSeconds: Histogram<'kind'>;
  readonly executeSamples: Counter<'kind'>;
  /** Execute streams stopped early because the caller cancelled or its deadline passed. */
  readonly executeCancelled: Counter<'kind'>;
  /** Duration of WAL fdatasync calls (durable leaves). */
  readonly walFsyncSeconds: Histogram;
}

export function createLeafMetrics(leafId: string): LeafMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ leaf: leafId });
  return {
    registry,
    rejectedSamples: new Counter({
      name: 'canopy_leaf_rejected_samples_total',
      help: 'Samples rejected by the leaf on write, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    rejectedSeries: new Counter({
      name: 'canopy_leaf_rejected_series_total',
      help: 'Series with at least one rejected sample, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    appendedSamples: new Counter({
      name: 'canopy_leaf_appended_samples_total',
      help: 'Samples appended to the head.',
      registers: [registry],
    }),
    executeSeconds: new Histogram({
      name: 'canopy_leaf_execute_seconds',
      help: 'Time to execute a fragment and stream its result.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10],
      registers: [registry],
    }),
    executeSamples: new Counter({
      name: 'canopy_leaf_execute_samples_total',
      help: 'Samples returned by Execute.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    executeCancelled: new Counter({
      name: 'canopy_leaf_execute_cancelled_total',
      help: 'Execute streams stopped early because the call was cancelled or its deadline passed.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    walFsyncSeconds: new Histogram({
      name: 'canopy_leaf_wal_fsync_seconds',
      help: 'Duration of WAL fdatasync calls (one per group commit under fsync always).',
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  };
}

/**
 * Storage-engine gauges read at scrape time: recovery counters of the last open (a WAL
 * corruption is also logged at error level), bytes actually held, chunks, head, blocks, WAL.
 */
export function registerStorageMetrics(registry: Registry, read: () => StoreStats): void {
  // One stats pass per scrape (it walks every series), shared by the gauges.
  let cached: StoreStats | undefined;
  let at = 0;
  const stats = (): StoreStats => {
    if (!cached || performance.now() - at > 1000) {
      cached = read();
      at = performance.now();
    }
    return cached;
  };
  const gauges: [string, string, (s: StoreStats) => number][] = [
    ['canopy_leaf_wal_corruptions', 'WAL corruptions found by the last recovery (replay stopped there; the rest quarantined in wal/corrupt/).', (s) => s.walCorruptions],
    ['canopy_leaf_wal_torn_tails', 'Torn WAL tails truncated by the last recovery.', (s) => s.walTornTails],
    ['canopy_leaf_wal_frames_replayed', 'WAL frames replayed by the last recovery.', (s) => s.walFramesReplayed],
    ['canopy_leaf_wal_segments', 'WAL segment files.', (s) => s.walSegments],
    ['canopy_leaf_storage_bytes', 'Bytes held for samples: sealed chunks (with object overhead), persisted blocks, head columns.', (s) => s.bytes],
    ['canopy_leaf_storage_chunk_bytes', 'Compressed chunk bytes (in memory and in persisted blocks).', (s) => s.chunkBytes],
    ['canopy_leaf_storage_chunks', 'Sealed chunks.', (s) => s.chunks],
    ['canopy_leaf_storage_head_samples', 'Samples in the uncompressed heads.', (s) => s.headSamples],
    ['canopy_leaf_storage_blocks', 'Persisted blocks.', (s) => s.blocks],
    ['canopy_leaf_storage_inserted_samples', 'Older samples inserted inside the admission window (or by transfers) since start.', (s) => s.inserted],
  ];
  for (const [name, help, get] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(get(stats()));
      },
    });
  }
}
