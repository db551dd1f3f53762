/**
 * On-disk layout of a leaf store directory (the contract of src/leaf/storage).
 *
 *   <dir>/
 *     wal/
 *       00000000.seg, 00000001.seg, …   WAL segments, indexes increasing, never reused. A new
 *                                       segment starts at each open, at `segmentBytes`
 *                                       (64 MiB) and at each snapshot.
 *       corrupt/                        bytes quarantined by replay after a mid-log corruption
 *     snapshots/
 *       <8-digit wal segment S>/        state of memory when the WAL rotated to segment S:
 *         series.arrow                    every series (id, tenant, labels)
 *         chunks.arrow                    sealed in-memory chunks + each head (flag HEAD)
 *         meta.json                       { walSegment: S, persistedUntil, nextSeriesId, … }
 *     blocks/
 *       <16-digit block start ms>/      one finished time block [minT, maxT), immutable
 *       <16-digit start>-<n>/           extra block of the same range: late data (inserted below
 *                                       the persisted floor by range transfers), flushed later
 *         chunks.arrow                    sealed chunks of the block, sorted (series_id, min_t)
 *         series.arrow                    the series that have chunks in it
 *         meta.json                       { minT, maxT, chunks, samples, series }
 *
 * Formats: WAL frames and records in wal-format.ts; chunk bytes in chunk-codec.ts; Arrow table
 * schemas in block-format.ts; block and snapshot directories in persisted-block.ts and
 * snapshot-io.ts. Blocks and snapshots are written to `<name>.tmp`, fsynced, then
 * renamed (block-dir.ts); a directory without meta.json is an interrupted write and is removed.
 *
 * Open (recovery):
 *   1. Load every block; `persistedUntil` = the newest block end. Samples older than that are
 *      in blocks, so everything below it found later in the snapshot is skipped; in the WAL, a
 *      sample below it is skipped when a block holds its timestamp, else it is late data and
 *      merged.
 *   2. Load the newest snapshot S (series index, chunks, heads).
 *   3. Replay WAL segments ≥ S in order. Replay is idempotent: a sample at a timestamp the
 *      series already holds is skipped (out-of-order samples inserted inside the admission
 *      window are merged in time order), so overlap between snapshot and WAL is harmless.
 *      A torn tail (incomplete or CRC-failing last frame of the last segment) is truncated.
 *      A bad frame anywhere else stops replay there (error log + `walCorruptions` counter); the
 *      rest of the log is moved to wal/corrupt/ so later writes stay recoverable.
 *   4. Open a new WAL segment after the last one.
 *
 * Snapshot (bounded replay): rotate the WAL to segment S; write finished blocks (those ending
 * ≥ half a block before the newest sample) and late data; write snapshots/S; delete WAL
 * segments < S and older snapshots; drop blocks older than the retention. Reads merge
 * overlapping blocks (the first block's value wins on equal timestamps).
 *
 * Durability: `append` resolves after its WAL frames are written, and fdatasync'ed under
 * fsync 'always' (group commit shares one fdatasync among concurrent appends). Acknowledged
 * writes survive a process kill under every policy and a machine crash under 'always' (under
 * { intervalMs } at most that window is at risk).
 */
export const LAYOUT_VERSION = 1;
