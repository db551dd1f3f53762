/**
 * WAL replay: reads segments in index order and hands every whole, CRC-valid frame to the
 * caller, then repairs the log so new writes can follow it.
 *
 * - Torn tail: the last segment ends in an incomplete frame, or its very last frame fails its CRC
 *   (a write cut short by a crash). Everything before it is recovered; the tail is truncated away
 *   and counted in `tornTails` (an expected outcome of a crash, logged at warn).
 * - Corruption: a bad frame anywhere else (a CRC mismatch with more data after it, or a broken
 *   non-last segment). Replay stops at the last valid frame before it — nothing past it is
 *   served, since frame boundaries after a bad frame cannot be trusted — logged at error and
 *   counted in `corruptions`. The bytes from the bad frame on, and any later segments, are moved
 *   to `wal/corrupt/` for inspection, so the log stays a clean prefix and later restarts do not
 *   stop at the same place again (writes made after this restart then remain recoverable).
 */
import * as fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { scanFrame } from './wal-format.js';
import { listSegments, segmentName, segmentPath } from './wal-segments.js';

export interface ReplayResult {
  /** Segments replayed (indexes). */
  segments: number[];
  frames: number;
  bytes: number;
  tornTails: number;
  corruptions: number;
  /** Bytes cut from the log (torn tails and quarantined corruption). */
  discardedBytes: number;
  /** Index for the next segment the writer should create. */
  nextSegment: number;
}

export function replayWal(
  walDir: string,
  fromSegment: number,
  onFrame: (type: number, body: Uint8Array) => void,
  logger?: Logger,
): ReplayResult {
  const all = listSegments(walDir);
  const segs = all.filter((s) => s >= fromSegment);
  const res: ReplayResult = { segments: [], frames: 0, bytes: 0, tornTails: 0, corruptions: 0, discardedBytes: 0, nextSegment: Math.max(fromSegment, (all.at(-1) ?? -1) + 1) };
  // The last segment that holds bytes: a crash right after a rotation leaves an empty newest
  // segment, and the torn tail is then in the one before it.
  let lastNonEmpty = -1;
  for (let si = 0; si < segs.length; si++) if (fs.statSync(segmentPath(walDir, segs[si]!)).size > 0) lastNonEmpty = si;
  for (let si = 0; si < segs.length; si++) {
    const seg = segs[si]!;
    const file = segmentPath(walDir, seg);
    const buf = fs.readFileSync(file);
    const isLast = si >= lastNonEmpty;
    if (buf.length === 0) {
      // An empty segment (opened, never written) holds nothing: remove it so restarts do not pile them up.
      fs.rmSync(file, { force: true });
      continue;
    }
    res.segments.push(seg);
    let pos = 0;
    for (;;) {
      const f = scanFrame(buf, pos);
      if (f.kind === 'end') break;
      if (f.kind === 'frame') {
        onFrame(f.type, f.body);
        res.frames++;
        res.bytes += f.end - f.start;
        pos = f.end;
        continue;
      }
      const torn = isLast && (f.kind === 'incomplete' || f.end >= buf.length);
      const cut = buf.length - pos;
      if (torn) {
        logger?.warn({ segment: segmentName(seg), offset: pos, bytes: cut, reason: f.kind === 'bad' ? f.reason : 'incomplete frame' }, 'WAL: torn tail after crash; truncating it (every whole frame before it was recovered)');
        fs.truncateSync(file, pos);
        res.tornTails++;
        res.discardedBytes += cut;
        return res;
      }
      res.corruptions++;
      const later = segs.slice(si + 1);
      logger?.error(
        { segment: segmentName(seg), offset: pos, reason: f.kind === 'bad' ? f.reason : 'incomplete frame in a non-last segment', quarantinedBytes: cut, quarantinedSegments: later.map(segmentName) },
        'WAL: corruption in the middle of the log; replay stopped at the last valid frame, the rest is quarantined in wal/corrupt/',
      );
      const qdir = path.join(walDir, 'corrupt');
      fs.mkdirSync(qdir, { recursive: true });
      const stamp = Date.now();
      fs.writeFileSync(path.join(qdir, `${segmentName(seg)}.from-${pos}.${stamp}`), buf.subarray(pos));
      fs.truncateSync(file, pos);
      res.discardedBytes += cut;
      for (const l of later) {
        const p = segmentPath(walDir, l);
        res.discardedBytes += fs.statSync(p).size;
        fs.renameSync(p, path.join(qdir, `${segmentName(l)}.${stamp}`));
      }
      return res;
    }
  }
  return res;
}
