/**
 * Public face of src/leaf/storage: the leaf's durable storage engine (library).
 * On-disk layout and recovery rules: layout.ts.
 */
export { DurableSeriesStore, type StoreOptions, type SeriesIn, type AppendResult, type StoreStats } from './store.js';
export { MemSeries, CHUNK_OVERHEAD_BYTES, type MergeOutcome } from './series-head.js';
export { applySeriesSamples, type SeriesOutcome, type SampleRejectReason, type ApplyPolicy } from './series-apply.js';
export { encodeChunk, decodeChunk, chunkSampleCount } from './chunk-codec.js';
export { WalWriter, type FsyncPolicy, type WalWriterOptions, type WalWriterStats } from './wal-writer.js';
export { replayWal, type ReplayResult } from './wal-replay.js';
export { encodeSeriesFrame, encodeSamplesFrame, decodeSeriesBody, forEachSampleEntry, scanFrame, REC_SERIES, REC_SAMPLES, type SeriesRecord, type SampleEntry } from './wal-format.js';
export { listSegments, segmentPath } from './wal-segments.js';
export { crc32 } from './crc32.js';
export { SyntheticSeries, kindOf, type SeriesKind, type SyntheticOptions } from './synthetic.js';
export { LAYOUT_VERSION } from './layout.js';
