/**
 * Target keys: an order-preserving byte encoding of (tenant, target label values…).
 *
 * Encoding (the tuple layer of FoundationDB, strings only): each field is its UTF-8 bytes with
 * every 0x00 byte escaped as 0x00 0xFF, followed by a terminating 0x00. Properties:
 *  - byte order of keys equals lexicographic tuple order of the fields (field by field, each by
 *    UTF-8 bytes), because the terminator 0x00 sorts below any byte of a longer field and the
 *    escape 0x00 0xFF sorts above the terminator;
 *  - distinct tuples never collide (the encoding is invertible: `decodeTuple`);
 *  - an equality matcher on a prefix of the fields is a contiguous key range (`prefixRange`).
 *    Its end is NOT `prefixEnd` of the encoded prefix: a key that continues the last field with
 *    an escaped 0x00 (0x00 0xFF …) also starts with those bytes. After a field terminator the next
 *    byte is never 0xFF (UTF-8 has no 0xFF byte; an escape starts with 0x00), so the keys whose
 *    leading fields are exactly the prefix are [p, p ‖ 0xFF).
 * The tenant is always the first field, so every key, and every range, is tenant-scoped.
 */
import { getLabel, type Labels } from './labels.js';

export type Key = Uint8Array;

export const DEFAULT_TARGET_LABELS: readonly string[] = ['job', 'instance'];

/** The key that sorts before every other key. */
export const MIN_KEY: Key = new Uint8Array(0);

export function encodeTuple(fields: readonly string[]): Key {
  const parts: number[] = [];
  for (const f of fields) {
    const bytes = Buffer.from(f, 'utf8');
    for (const b of bytes) {
      parts.push(b);
      if (b === 0x00) parts.push(0xff);
    }
    parts.push(0x00);
  }
  return Uint8Array.from(parts);
}

export function decodeTuple(key: Key): string[] {
  const out: string[] = [];
  let cur: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const b = key[i]!;
    if (b === 0x00) {
      if (key[i + 1] === 0xff) {
        cur.push(0x00);
        i++;
      } else {
        out.push(Buffer.from(cur).toString('utf8'));
        cur = [];
      }
    } else cur.push(b);
  }
  if (cur.length > 0) out.push(Buffer.from(cur).toString('utf8') + '…');
  return out;
}

export function compareKeys(a: Key, b: Key): number {
  return Buffer.compare(a, b);
}

/**
 * The smallest key greater than every key that starts with `prefix` (exclusive end of a prefix
 * range), or an empty key meaning +∞ when no such key exists (prefix all 0xFF).
 */
export function prefixEnd(prefix: Key): Key {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i]!++;
      return out.subarray(0, i + 1);
    }
  }
  return MIN_KEY;
}

/** A half-open key interval; an empty `end` means unbounded (+∞). */
export interface KeySpan {
  readonly start: Key;
  readonly end: Key;
}

/** The keys whose leading fields equal `fields` exactly (see the file comment for why p ‖ 0xFF). */
export function prefixRange(fields: readonly string[]): KeySpan {
  const p = encodeTuple(fields);
  if (p.length === 0) return { start: MIN_KEY, end: MIN_KEY };
  const end = new Uint8Array(p.length + 1);
  end.set(p);
  end[p.length] = 0xff;
  return { start: p, end };
}

export function spanContains(span: KeySpan, key: Key): boolean {
  return compareKeys(key, span.start) >= 0 && (span.end.length === 0 || compareKeys(key, span.end) < 0);
}

export function spansOverlap(a: KeySpan, b: KeySpan): boolean {
  const aEndsBeforeB = a.end.length > 0 && compareKeys(a.end, b.start) <= 0;
  const bEndsBeforeA = b.end.length > 0 && compareKeys(b.end, a.start) <= 0;
  return !aEndsBeforeB && !bEndsBeforeA;
}

export function formatKey(key: Key): string {
  if (key.length === 0) return '∞';
  return decodeTuple(key).map((f) => JSON.stringify(f)).join('/');
}

/** Computes target keys for one schema of target labels. */
export class KeyEncoder {
  readonly targetLabels: readonly string[];
  constructor(targetLabels: readonly string[] = DEFAULT_TARGET_LABELS) {
    if (targetLabels.length === 0) throw new Error('target schema needs at least one label');
    this.targetLabels = targetLabels;
  }

  /** The target key of a series: (tenant, value of each target label, '' when absent). */
  keyOf(tenant: string, labels: Labels): Key {
    const fields = [tenant];
    for (const n of this.targetLabels) fields.push(getLabel(labels, n));
    return encodeTuple(fields);
  }

  /** All keys of a tenant. */
  tenantSpan(tenant: string): KeySpan {
    return prefixRange([tenant]);
  }

  /**
   * The narrowest span implied by equality values on a prefix of the target labels, e.g.
   * `{job="api"}` → all keys of (tenant, "api", *). `equal` maps label name → required value.
   */
  spanFor(tenant: string, equal: ReadonlyMap<string, string>): KeySpan {
    const fields = [tenant];
    for (const n of this.targetLabels) {
      const v = equal.get(n);
      if (v === undefined) break;
      fields.push(v);
    }
    return prefixRange(fields);
  }
}
