/** WAL segment file naming: `<dir>/wal/<8-digit index>.seg`, indexes increase, never reused. */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export const SEGMENT_RE = /^(\d{8})\.seg$/;

export function segmentName(index: number): string {
  return `${String(index).padStart(8, '0')}.seg`;
}

export function segmentPath(walDir: string, index: number): string {
  return path.join(walDir, segmentName(index));
}

/** Segment indexes present in `walDir`, ascending. */
export function listSegments(walDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(walDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: number[] = [];
  for (const n of names) {
    const m = SEGMENT_RE.exec(n);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}
