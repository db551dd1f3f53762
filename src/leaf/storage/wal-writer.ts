/**
 * WAL writer: appends frames to the current segment with group commit.
 *
 * Durability contract of `append(frames)` (the promise resolves only when it holds):
 *   'always'        the frames are written and fdatasync'ed. Concurrent appends share one
 *                   write + one fdatasync (group commit): while a sync is in flight, new frames
 *                   queue and go out together in the next round.
 *   { intervalMs }  the frames are written to the OS (they survive a process crash, SIGKILL
 *                   included); a timer fdatasyncs every intervalMs, so a machine crash loses at
 *                   most that window.
 *   'off'           written to the OS; never fsynced (survives process crashes only).
 * Frames of one append are contiguous and never span segments. A segment is rotated (synced,
 * closed, next index opened) once it reaches `segmentBytes`, and on `rotate()`.
 */
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { segmentPath } from './wal-segments.js';

export type FsyncPolicy = 'always' | 'off' | { intervalMs: number };

export interface WalWriterOptions {
  segmentBytes?: number;
  fsync?: FsyncPolicy;
  logger?: Logger;
  /** Called with the duration of every WAL fdatasync, in seconds (for the fsync latency metric). */
  onSync?: (seconds: number) => void;
}

const writev = promisify(fs.writev);
const fdatasync = promisify(fs.fdatasync);
const fsyncP = promisify(fs.fsync);
const close = promisify(fs.close);
const open = promisify(fs.open);

type Op =
  | { kind: 'write'; bufs: Uint8Array[]; bytes: number; resolve: () => void; reject: (e: Error) => void }
  | { kind: 'rotate'; resolve: (seg: number) => void; reject: (e: Error) => void };

export interface WalWriterStats {
  segment: number;
  segmentBytes: number;
  bytesWritten: number;
  writes: number;
  syncs: number;
}

export class WalWriter {
  private fd = -1;
  private seg: number;
  private segBytes = 0;
  private readonly segmentBytes: number;
  private readonly policy: FsyncPolicy;
  private queue: Op[] = [];
  private running = false;
  private failed: Error | undefined;
  private dirty = false;
  private syncRequested = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { bytesWritten: 0, writes: 0, syncs: 0 };
  private readonly onSync: ((seconds: number) => void) | undefined;

  private constructor(private readonly walDir: string, firstSegment: number, opts: WalWriterOptions) {
    this.seg = firstSegment;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.policy = opts.fsync ?? 'always';
    this.onSync = opts.onSync;
  }

  /** Opens a fresh segment `firstSegment` (it must not exist yet). */
  static async open(walDir: string, firstSegment: number, opts: WalWriterOptions = {}): Promise<WalWriter> {
    fs.mkdirSync(walDir, { recursive: true });
    const w = new WalWriter(walDir, firstSegment, opts);
    w.fd = await open(segmentPath(walDir, firstSegment), 'wx');
    await syncDir(walDir);
    if (typeof w.policy === 'object') {
      w.timer = setInterval(() => void w.periodicSync(), Math.max(1, w.policy.intervalMs));
      w.timer.unref();
    }
    return w;
  }

  get segment(): number {
    return this.seg;
  }

  stats(): WalWriterStats {
    return { segment: this.seg, segmentBytes: this.segBytes, ...this.counters };
  }

  /** Appends frames; resolves when durable under the fsync policy (see the file comment). */
  append(frames: Uint8Array[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error('WAL is closed'));
    let bytes = 0;
    for (const f of frames) bytes += f.length;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'write', bufs: frames, bytes, resolve, reject });
      this.kick();
    });
  }

  /** Syncs and closes the current segment and opens the next; resolves with the new index. */
  rotate(): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ kind: 'rotate', resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // setImmediate lets appends issued in the same tick join the first round.
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const op = this.queue[0]!;
        if (op.kind === 'rotate') {
          this.queue.shift();
          try {
            await this.rotateNow();
            op.resolve(this.seg);
          } catch (e) {
            this.fail(e as Error);
            op.reject(e as Error);
          }
          continue;
        }
        // Take consecutive writes up to the next rotate (and the segment size, roughly).
        const batch: Extract<Op, { kind: 'write' }>[] = [];
        const bufs: Uint8Array[] = [];
        let bytes = 0;
        while (this.queue.length > 0 && this.queue[0]!.kind === 'write') {
          const w = this.queue[0] as Extract<Op, { kind: 'write' }>;
          if (batch.length > 0 && this.segBytes + bytes + w.bytes > this.segmentBytes) break;
          this.queue.shift();
          batch.push(w);
          for (const b of w.bufs) bufs.push(b);
          bytes += w.bytes;
        }
        try {
          const { bytesWritten: n } = await writev(this.fd, bufs);
          if (n !== bytes) throw new Error(`WAL short write: ${n} of ${bytes} bytes`);
          this.segBytes += bytes;
          this.counters.bytesWritten += bytes;
          this.counters.writes++;
          this.dirty = true;
          if (this.policy === 'always' || this.syncRequested) {
            this.syncRequested = false;
            await this.sync();
          }
          for (const w of batch) w.resolve();
        } catch (e) {
          this.fail(e as Error);
          for (const w of batch) w.reject(e as Error);
          continue;
        }
        if (this.segBytes >= this.segmentBytes) await this.rotateNow();
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  private fail(e: Error): void {
    if (!this.failed) this.failed = e;
    const q = this.queue;
    this.queue = [];
    for (const op of q) op.reject(e);
  }

  private async sync(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const started = performance.now();
    await fdatasync(this.fd);
    this.counters.syncs++;
    this.onSync?.((performance.now() - started) / 1000);
  }

  /** Interval policy tick: sync now when idle, else ask the write loop to (never concurrently). */
  private async periodicSync(): Promise<void> {
    if (!this.dirty || this.fd < 0 || this.closed) return;
    if (this.running) {
      this.syncRequested = true;
      return;
    }
    this.running = true;
    try {
      await this.sync();
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  private async rotateNow(): Promise<void> {
    this.dirty = true; // always sync a segment before leaving it
    await this.sync();
    await close(this.fd);
    this.seg++;
    this.segBytes = 0;
    this.fd = await open(segmentPath(this.walDir, this.seg), 'wx');
    await syncDir(this.walDir);
  }

  /** Flushes queued appends, syncs and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    await new Promise<void>((resolve) => {
      const wait = (): void => {
        if (!this.running && this.queue.length === 0) resolve();
        else setTimeout(wait, 1);
      };
      wait();
    });
    this.closed = true;
    if (this.fd >= 0) {
      if (!this.failed) {
        this.dirty = true;
        await this.sync().catch(() => undefined);
      }
      await close(this.fd);
      this.fd = -1;
    }
  }
}

/** fsync a directory so a created/renamed entry is durable (best effort where unsupported). */
export async function syncDir(dir: string): Promise<void> {
  let fd: number;
  try {
    fd = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await fsyncP(fd);
  } catch {
    /* some filesystems refuse fsync on directories */
  } finally {
    await close(fd);
  }
}
