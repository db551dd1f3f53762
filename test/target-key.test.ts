/**
 * Property tests of the target-key encoding (src/model/target-key.ts), randomised with a fixed
 * seed: byte order = tuple order, no collisions, decode round trip, prefix spans.
 */
import { describe, expect, it } from 'vitest';
import {
  compareKeys,
  decodeTuple,
  encodeTuple,
  getLabel,
  KeyEncoder,
  labelsFromRecord,
  MIN_KEY,
  prefixEnd,
  prefixRange,
  spanContains,
  type Key,
  type Labels,
} from '../src/model/index.js';
import { rng } from '../bench/lib-prng.js';

// Characters chosen to hit the edges: NUL (escaped), 0x01, U+00FF (UTF-8 C3 BF), DEL, multibyte
// 2/3/4-byte UTF-8 (é, 日, U+FFFD, emoji as a surrogate pair), and plain ASCII.
const CHARS = ['\u0000', '\u0001', 'a', 'b', 'z', 'A', '0', '~', '\u007f', '\u00ff', 'é', '日', '\ufffd', '\uffff', '\u{1F600}', '\u{10FFFF}'];

function randomString(r: () => number, max = 5): string {
  let s = '';
  const n = Math.floor(r() * (max + 1));
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(r() * CHARS.length)]!;
  return s;
}

function randomTuple(r: () => number, maxFields = 4): string[] {
  const n = 1 + Math.floor(r() * maxFields);
  return Array.from({ length: n }, () => randomString(r));
}

/** Tuple order: field by field, each by UTF-8 bytes; a proper prefix sorts first. */
function compareTuples(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(a[i]!, 'utf8'), Buffer.from(b[i]!, 'utf8'));
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
const hex = (k: Key) => Buffer.from(k).toString('hex');

describe('target keys: tuple encoding', () => {
  it('byte order equals tuple order (random pairs, incl. shared prefixes)', () => {
    const r = rng(1);
    for (let i = 0; i < 20_000; i++) {
      const a = randomTuple(r);
      // half the time derive b from a so that they share fields and prefixes
      let b: string[];
      if (r() < 0.5) {
        b = a.slice(0, 1 + Math.floor(r() * a.length));
        const j = Math.floor(r() * b.length);
        b[j] = r() < 0.5 ? b[j]! + randomString(r, 2) : b[j]!.slice(0, Math.floor(r() * (b[j]!.length + 1)));
        if (r() < 0.3) b.push(randomString(r));
      } else b = randomTuple(r);
      const want = sign(compareTuples(a, b));
      const got = sign(compareKeys(encodeTuple(a), encodeTuple(b)));
      if (got !== want) throw new Error(`order mismatch for ${JSON.stringify(a)} vs ${JSON.stringify(b)}: bytes ${got}, tuples ${want}`);
    }
  });

  it('sorting by key sorts by tuple', () => {
    const r = rng(2);
    const tuples = Array.from({ length: 3000 }, () => randomTuple(r, 3));
    const byKey = [...tuples].sort((x, y) => compareKeys(encodeTuple(x), encodeTuple(y)));
    const byTuple = [...tuples].sort(compareTuples);
    expect(byKey.map((t) => JSON.stringify(t))).toEqual(byTuple.map((t) => JSON.stringify(t)));
  });

  it('distinct tuples never collide', () => {
    const r = rng(3);
    const seen = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const t = randomTuple(r, 3);
      const k = hex(encodeTuple(t));
      const j = JSON.stringify(t);
      const prev = seen.get(k);
      if (prev !== undefined && prev !== j) throw new Error(`collision: ${prev} and ${j} both encode to ${k}`);
      seen.set(k, j);
    }
    // the classic traps of naive separators
    const traps = [['a', ''], ['a\u0000'], ['', 'a'], ['\u0000a'], ['a', '', ''], ['a\u0000', ''], ['a', '\u0000'], ['a\u0000\u0000']];
    expect(new Set(traps.map((t) => hex(encodeTuple(t)))).size).toBe(traps.length);
  });

  it('decodes back to the same tuple', () => {
    const r = rng(4);
    for (let i = 0; i < 10_000; i++) {
      const t = randomTuple(r);
      expect(decodeTuple(encodeTuple(t))).toEqual(t);
    }
    expect(decodeTuple(encodeTuple([]))).toEqual([]);
    expect(decodeTuple(encodeTuple(['', '']))).toEqual(['', '']);
  });
});

describe('target keys: prefixes and spans', () => {
  it('prefixEnd is the least key above every extension of the prefix', () => {
    const r = rng(5);
    expect(hex(prefixEnd(Uint8Array.from([0x61, 0xff, 0xff])))).toBe('62');
    expect(prefixEnd(Uint8Array.from([0xff, 0xff])).length).toBe(0);
    expect(prefixEnd(MIN_KEY).length).toBe(0);
    for (let i = 0; i < 5000; i++) {
      const p = encodeTuple(randomTuple(r, 2)).subarray(0, undefined);
      const cut = p.subarray(0, Math.floor(r() * (p.length + 1)));
      const end = prefixEnd(cut);
      const k = encodeTuple(randomTuple(r, 3));
      const hasPrefix = Buffer.from(k.subarray(0, cut.length)).equals(Buffer.from(cut)) && k.length >= cut.length;
      const inSpan = spanContains({ start: cut, end }, k);
      expect(inSpan).toBe(hasPrefix);
      const ext = Uint8Array.from([...cut, ...k]);
      expect(spanContains({ start: cut, end }, ext)).toBe(true);
    }
  });

  it('prefixRange holds exactly the tuples with those leading fields', () => {
    const r = rng(6);
    for (let i = 0; i < 20_000; i++) {
      const prefix = randomTuple(r, 2);
      let t: string[];
      if (r() < 0.5) {
        t = [...prefix, ...randomTuple(r, 2)];
        if (r() < 0.3) t[Math.floor(r() * prefix.length)] += '\u0000'; // the escape trap
      } else t = randomTuple(r, 3);
      const want = t.length >= prefix.length && prefix.every((f, j) => t[j] === f);
      const got = spanContains(prefixRange(prefix), encodeTuple(t));
      if (got !== want) throw new Error(`prefixRange(${JSON.stringify(prefix)}) contains ${JSON.stringify(t)}: ${got}, expected ${want}`);
    }
  });

  it('KeyEncoder.spanFor contains a series key iff the equality prefix matches', () => {
    const r = rng(7);
    const enc = new KeyEncoder(['job', 'instance', 'shard']);
    const tenants = ['default', 'acme', 'defaul', 'default0'];
    for (let i = 0; i < 20_000; i++) {
      const rec: Record<string, string> = { __name__: 'up' };
      for (const n of ['job', 'instance', 'shard']) if (r() < 0.85) rec[n] = randomString(r, 3);
      const labels: Labels = labelsFromRecord(rec);
      const tenant = tenants[Math.floor(r() * tenants.length)]!;
      const qTenant = r() < 0.7 ? tenant : tenants[Math.floor(r() * tenants.length)]!;
      const eq = new Map<string, string>();
      for (const n of enc.targetLabels) {
        if (r() < 0.3) break;
        const actual = getLabel(labels, n);
        eq.set(n, r() < 0.7 ? actual : r() < 0.5 ? actual + '\u0000' : randomString(r, 3));
      }
      if (r() < 0.2) eq.set('unrelated', 'x');
      let want = qTenant === tenant;
      for (const n of enc.targetLabels) {
        const v = eq.get(n);
        if (v === undefined) break;
        if (getLabel(labels, n) !== v) want = false;
      }
      const got = spanContains(enc.spanFor(qTenant, eq), enc.keyOf(tenant, labels));
      if (got !== want) throw new Error(`spanFor(${qTenant}, ${JSON.stringify([...eq])}) vs ${tenant} ${JSON.stringify(rec)}: ${got}, expected ${want}`);
      expect(spanContains(enc.tenantSpan(tenant), enc.keyOf(tenant, labels))).toBe(true);
      expect(spanContains(enc.tenantSpan(qTenant), enc.keyOf(tenant, labels))).toBe(qTenant === tenant);
    }
  });

  it('a missing target label keys as the empty value', () => {
    const enc = new KeyEncoder();
    const k = enc.keyOf('default', labelsFromRecord({ __name__: 'up', instance: 'h:1' }));
    expect(decodeTuple(k)).toEqual(['default', '', 'h:1']);
    expect(spanContains(enc.spanFor('default', new Map([['job', '']])), k)).toBe(true);
  });
});
