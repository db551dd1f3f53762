/** Key-span arithmetic for holdings: what a leaf stopped holding when its ranges changed. */
import { compareKeys, type Key, type KeySpan } from '../model/index.js';

/** a < b for span ends, where the empty end means +∞. */
function endLess(a: Key, b: Key): boolean {
  if (a.length === 0) return false;
  if (b.length === 0) return true;
  return compareKeys(a, b) < 0;
}

function maxStart(a: Key, b: Key): Key {
  return compareKeys(a, b) >= 0 ? a : b;
}

function minEnd(a: Key, b: Key): Key {
  return endLess(a, b) ? a : b;
}

function nonEmpty(s: KeySpan): boolean {
  return s.end.length === 0 || compareKeys(s.start, s.end) < 0;
}

/** The parts of `a` not covered by any span of `bs` (spans half-open, empty end = +∞). */
export function subtractSpans(a: KeySpan, bs: readonly KeySpan[]): KeySpan[] {
  let parts: KeySpan[] = [a];
  for (const b of bs) {
    const next: KeySpan[] = [];
    for (const p of parts) {
      const lo = maxStart(p.start, b.start);
      const hi = minEnd(p.end, b.end);
      const overlaps = hi.length === 0 || compareKeys(lo, hi) < 0;
      if (!overlaps) {
        next.push(p);
        continue;
      }
      const left = { start: p.start, end: b.start };
      if (b.start.length > 0 && compareKeys(p.start, b.start) < 0) next.push(left);
      if (b.end.length > 0) {
        const right = { start: b.end, end: p.end };
        if (nonEmpty(right) && compareKeys(b.end, p.start) > 0) next.push(right);
      }
    }
    parts = next;
  }
  return parts.filter(nonEmpty);
}
