/**
 * The leaf's columnar store: one `TenantStore` index per tenant (postings, target keys for
 * range-scoped reads) over the series of a `DurableSeriesStore` engine (src/leaf/storage): per
 * series a bounded head of typed-array columns plus sealed compressed chunks, which is what holds
 * old data. Memory-only by default (`new LeafStore()`); `LeafStore.open(dir)` adds the WAL,
 * snapshots, blocks and retention. No read ever crosses tenants.
 *
 * Writes: `append` applies one series at once (visible to readers) under the admission window
 * (late data below the persisted blocks admitted under the same rules; `too_old` = older than
 * the retention);
 * `commit()` resolves once everything applied so far is durable (acknowledge after it).
 * `insert` merges samples at any time (range transfers); `dropSpan` forgets a range's series.
 */
import type { Logger } from 'pino';
import { KeyEncoder, spanContains, type KeySpan, type Labels, type Querier, type Series, EMPTY_QUERIER } from '../model/index.js';
import { DurableSeriesStore, type FsyncPolicy, type MemSeries, type SampleRejectReason, type StoreStats as EngineStats } from './storage/index.js';
import { TenantStore, type SeriesReader, type StoreStats } from './store-tenant.js';
import { LeafHints } from '../hint/index.js';

export type { StoreStats } from './store-tenant.js';
export type { SampleRejectReason } from './storage/index.js';

/** Default out-of-order admission window (10 min). */
export const DEFAULT_OOO_WINDOW_MS = 600_000;

export interface AppendOutcome {
  /** Samples written (appended, or inserted inside the admission window). */
  appended: number;
  /** Identical duplicates ignored (accepted, not written again). */
  ignored: number;
  /** Rejected samples per reason, with the first message of each reason. */
  rejected: Map<SampleRejectReason, { count: number; message: string }> | undefined;
}

export interface LeafStoreOptions {
  /** Out-of-order admission window, ms (default DEFAULT_OOO_WINDOW_MS; 0 = only newer samples). */
  oooWindowMs?: number;
  /** Samples per sealed chunk (default 240). */
  chunkSamples?: number;
  /** Block length, ms (default 2 h). */
  blockMs?: number;
  /** Durable mode only: WAL fsync policy (default 'always'). */
  fsync?: FsyncPolicy;
  /** Durable mode only: observer of every WAL fdatasync's duration, seconds. */
  onWalSync?: (seconds: number) => void;
  /** Durable mode only: blocks older than this before the newest sample are dropped. */
  retentionMs?: number;
  /** Durable mode only: automatic snapshot after this much WAL (default 64 MiB). */
  snapshotEveryWalBytes?: number;
  logger?: Logger;
}

export class LeafStore implements SeriesReader {
  readonly keys: KeyEncoder;
  private readonly tenants = new Map<string, TenantStore>();
  private readonly oooWindowMs: number;
  private engineRef: DurableSeriesStore;
  /**
   * Field hints of the series held (src/hint, streamed by Leaf.Hints): added once when a series
   * is created (also on WAL replay), removed when `dropSpan` empties it; a dropped series that
   * gets samples again (append/insert) is re-added (`unhinted`).
   */
  readonly hints = new LeafHints();
  private readonly unhinted = new Set<MemSeries>();

  /** A memory-only store. */
  constructor(targetLabels?: readonly string[], opts: LeafStoreOptions = {}) {
    this.keys = new KeyEncoder(targetLabels);
    this.oooWindowMs = opts.oooWindowMs ?? DEFAULT_OOO_WINDOW_MS;
    this.engineRef = DurableSeriesStore.memory(this.engineOptions(opts));
  }

  /** A durable store in `dir` (created if needed), recovered from its blocks, snapshot and WAL. */
  static async open(dir: string, targetLabels?: readonly string[], opts: LeafStoreOptions = {}): Promise<LeafStore> {
    const ls = new LeafStore(targetLabels, opts);
    ls.engineRef = await DurableSeriesStore.open(dir, ls.engineOptions(opts));
    ls.hintRecoveredTimes();
    return ls;
  }

  private engineOptions(opts: LeafStoreOptions) {
    return {
      oooWindowMs: this.oooWindowMs,
      ...(opts.chunkSamples !== undefined ? { chunkSamples: opts.chunkSamples } : {}),
      ...(opts.blockMs !== undefined ? { blockMs: opts.blockMs } : {}),
      ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
      ...(opts.onWalSync ? { onWalSync: opts.onWalSync } : {}),
      ...(opts.retentionMs !== undefined ? { retentionMs: opts.retentionMs } : {}),
      ...(opts.snapshotEveryWalBytes !== undefined ? { snapshotEveryWalBytes: opts.snapshotEveryWalBytes } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
      onSeries: (s: MemSeries) => this.index(s),
    };
  }

  /** The storage engine (stats, snapshots). */
  get engine(): DurableSeriesStore {
    return this.engineRef;
  }

  get durable(): boolean {
    return this.engineRef.durable;
  }

  private index(s: MemSeries): void {
    let t = this.tenants.get(s.tenant);
    if (!t) this.tenants.set(s.tenant, (t = new TenantStore(s.tenant, this)));
    t.add(s, this.keys.keyOf(s.tenant, s.labels));
    this.hints.addSeries(s.tenant, s.labels);
  }

  /** Time hints of recovered series (their whole [min, max] each; a superset is fine). */
  private hintRecoveredTimes(): void {
    for (const ts of this.tenants.values()) {
      for (const s of ts.series) {
        const st = this.engineRef.seriesStats(s);
        if (st.samples > 0) this.hints.addTime(s.tenant, st.minT, st.maxT);
      }
    }
  }

  /** Time hints of a batch (before it is acknowledged; the input's span is a superset of the admitted one). */
  private hintTimes(tenant: string, t: ArrayLike<number>): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < t.length; i++) {
      const x = t[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    this.hints.addTime(tenant, lo, hi);
  }

  /** A series emptied by `dropSpan` that receives samples again gets its hints back. */
  private rehint(tenant: string, labels: Labels): void {
    const ts = this.tenants.get(tenant);
    const id = ts?.lookup(labels);
    const s = id === undefined ? undefined : ts!.series[id];
    if (s && this.unhinted.delete(s)) this.hints.addSeries(s.tenant, s.labels);
  }

  tenant(tenant: string): TenantStore | undefined {
    return this.tenants.get(tenant);
  }

  tenantNames(): string[] {
    return [...this.tenants.keys()].sort();
  }

  /**
   * Applies one series' samples (tenant and labels already validated) under the admission
   * window. The series is created on its first accepted sample only. Durable after `commit()`.
   */
  append(tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>): AppendOutcome {
    // Late data admitted: below the persisted blocks a sample is still subject to the window
    // (or newer than its series' last one); only the retention cutoff makes it `too_old`.
    const o = this.engineRef.appendSeries(tenant, labels, t, v, this.oooWindowMs, true);
    if (o.appended + o.inserted > 0) {
      this.hintTimes(tenant, t);
      if (this.unhinted.size > 0) this.rehint(tenant, labels);
    }
    return { appended: o.appended + o.inserted, ignored: o.ignored, rejected: o.rejected };
  }

  /**
   * Merges samples at any time into a series (range transfers): timestamps already present keep
   * their stored value (`present`). Only samples older than the retention are refused (`tooOld`).
   */
  insert(tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>): { merged: number; present: number; tooOld: number } {
    const o = this.engineRef.insertSeries(tenant, labels, t, v);
    if (o.inserted + o.appended > 0) {
      this.hintTimes(tenant, t);
      if (this.unhinted.size > 0) this.rehint(tenant, labels);
    }
    return { merged: o.inserted + o.appended, present: o.ignored + (o.rejected?.get('duplicate_sample')?.count ?? 0), tooOld: o.rejected?.get('too_old')?.count ?? 0 };
  }

  /** Resolves once every write applied so far is durable (at once in memory-only mode). */
  commit(): Promise<void> {
    return this.engineRef.commit();
  }

  /** Forgets the samples of every series whose key lies in `span` (all tenants); returns how many. */
  dropSpan(span: KeySpan): number {
    let dropped = 0;
    for (const ts of this.tenants.values()) {
      ts.series.forEach((s, id) => {
        if (!spanContains(span, ts.keys[id]!)) return;
        dropped += this.engineRef.dropSeries(s);
        if (!this.unhinted.has(s)) {
          this.unhinted.add(s);
          this.hints.removeSeries(s.tenant, s.labels);
        }
      });
    }
    return dropped;
  }

  readSeries(s: MemSeries, start: number, end: number, labelsOnly: boolean): Series | undefined {
    return this.engineRef.readSeries(s, start, end, labelsOnly);
  }

  seriesStats(s: MemSeries): { samples: number; bytes: number; minT: number; maxT: number } {
    return this.engineRef.seriesStats(s);
  }

  /** A querier over a tenant's series whose keys lie in `spans` (undefined: the whole tenant). */
  querier(tenant: string, spans?: readonly KeySpan[]): Querier {
    const ts = this.tenants.get(tenant);
    return ts ? ts.querier(spans) : EMPTY_QUERIER;
  }

  stats(tenant: string, spans?: readonly KeySpan[]): StoreStats {
    const ts = this.tenants.get(tenant);
    return ts ? ts.stats(spans) : { series: 0, samples: 0, bytes: 0, minTimeMs: Infinity, maxTimeMs: -Infinity };
  }

  /** Engine totals: WAL recovery counters, chunks, blocks, bytes held. */
  storageStats(): EngineStats {
    return this.engineRef.stats();
  }

  /** Durable mode: rotate the WAL, flush finished blocks, snapshot, apply retention (no-op in memory). */
  snapshot(): Promise<void> {
    return this.engineRef.snapshot();
  }

  close(): Promise<void> {
    return this.engineRef.close();
  }
}
