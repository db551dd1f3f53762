/**
 * The WAL side of the write path: records of samples already applied to memory wait here until
 * `commit()` hands them to the writer as frames (a series frame for new series first, then one
 * samples frame for every entry). Commits resolve in the order they were started, each only once
 * every earlier one is durable, so a write that awaits any later commit is durable too.
 */
import { encodeSamplesFrameColumns, encodeSeriesFrame, type SeriesRecord } from './wal-format.js';
import type { WalWriter } from './wal-writer.js';

export class WalCommitQueue {
  private series: SeriesRecord[] = [];
  private entries: { id: number; t: Float64Array; v: Float64Array }[] = [];
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly wal: WalWriter) {}

  addSeries(r: SeriesRecord): void {
    this.series.push(r);
  }

  /** Samples of one series, sorted by time (the arrays are kept until the commit). */
  addEntry(id: number, t: Float64Array, v: Float64Array): void {
    this.entries.push({ id, t, v });
  }

  /** Bytes the writer has taken so far. */
  get bytesWritten(): number {
    return this.wal.stats().bytesWritten;
  }

  /** Writes everything queued; resolves when it and every earlier commit are durable. */
  commit(): Promise<void> {
    if (this.entries.length === 0 && this.series.length === 0) return this.last;
    const frames: Uint8Array[] = [];
    if (this.series.length > 0) frames.push(encodeSeriesFrame(this.series));
    const entries = this.entries;
    this.series = [];
    this.entries = [];
    if (entries.length > 0) {
      let total = 0;
      for (const e of entries) total += e.t.length;
      const T = new Float64Array(total);
      const V = new Float64Array(total);
      const ids = new Uint32Array(entries.length);
      const offs = new Uint32Array(entries.length);
      const lens = new Uint32Array(entries.length);
      let k = 0;
      entries.forEach((e, i) => {
        ids[i] = e.id;
        offs[i] = k;
        lens[i] = e.t.length;
        T.set(e.t, k);
        V.set(e.v, k);
        k += e.t.length;
      });
      frames.push(encodeSamplesFrameColumns(entries.length, ids, offs, lens, T, V));
    }
    const prev = this.last;
    const mine = this.wal.append(frames);
    const done = Promise.all([prev.catch(() => undefined), mine]).then(() => undefined);
    this.last = done;
    return done;
  }

  /** Waits for every commit started so far (errors ignored). */
  async drain(): Promise<void> {
    await this.last.catch(() => undefined);
  }
}
