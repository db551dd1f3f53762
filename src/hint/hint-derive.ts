/**
 * Field hints (Monarch): for every (tenant, label name, value) a leaf holds, the hints are
 *  - the full-value hint  `(tenant, name, =value)`, and
 *  - every anchored trigram of the value: the value padded with two begin sentinels and two end
 *    sentinels, cut into windows of three code points (`monarch` → `^^m ^mo mon ona nar arc rch
 *    ch$ h$$`). The sentinels are not characters (a literal `^` in a value is not a sentinel).
 * The metric name is the field `__name__`. Empty values are never hints (an empty value is an
 * absent label in Prometheus).
 *
 * A hint is known only by its fingerprint: a 53-bit integer (safe in a JS number) made of two
 * independent 32-bit mixes over tenant ‖ field ‖ kind ‖ payload, so different hints collide with
 * probability ≈ 2⁻⁵³ per pair. A collision only ever adds candidates (false positives), never
 * hides one. Leaves and gateways must use exactly these functions.
 */

/** A hint fingerprint: an integer in [0, 2⁵³). */
export type Fingerprint = number;

/** Begin / end sentinels as code points beyond Unicode (never a real character). */
export const BEGIN_CP = 0x110000;
export const END_CP = 0x110001;
const SEP = 0x110002;
const KIND_VALUE = 0x110003;
const KIND_TRIGRAM = 0x110004;

/** Two running 32-bit hash states; `seed` is the state after tenant and field. */
export interface HintSeed {
  readonly h1: number;
  readonly h2: number;
}

function step1(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193); // FNV-1a prime
}
function step2(h: number, c: number): number {
  h = Math.imul(h ^ c, 0x5bd1e995); // murmur2 multiplier
  return h ^ (h >>> 15);
}
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
function finish(h1: number, h2: number): Fingerprint {
  return (fmix(h1) & 0x1fffff) * 0x100000000 + fmix(h2 ^ 0x9e3779b9);
}

/** The hash state after `tenant` and the field `name`; reuse it for all hints of that field. */
export function hintSeed(tenant: string, name: string): HintSeed {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x3c6ef372 | 0;
  for (let i = 0; i < tenant.length; i++) {
    const c = tenant.charCodeAt(i);
    h1 = step1(h1, c);
    h2 = step2(h2, c);
  }
  h1 = step1(h1, SEP);
  h2 = step2(h2, SEP);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    h1 = step1(h1, c);
    h2 = step2(h2, c);
  }
  return { h1: step1(h1, SEP), h2: step2(h2, SEP) };
}

/** Fingerprint of the full-value hint `name = value`. */
export function valueHint(seed: HintSeed, value: string): Fingerprint {
  let h1 = step1(seed.h1, KIND_VALUE);
  let h2 = step2(seed.h2, KIND_VALUE);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    h1 = step1(h1, c);
    h2 = step2(h2, c);
  }
  h1 = step1(h1, value.length);
  h2 = step2(h2, value.length);
  return finish(h1, h2);
}

/** Fingerprint of the trigram (a, b, c) — code points, or BEGIN_CP / END_CP. */
export function trigramHint(seed: HintSeed, a: number, b: number, c: number): Fingerprint {
  let h1 = step1(seed.h1, KIND_TRIGRAM);
  let h2 = step2(seed.h2, KIND_TRIGRAM);
  h1 = step1(step1(step1(h1, a), b), c);
  h2 = step2(step2(step2(h2, a), b), c);
  return finish(h1, h2);
}

/** Code points of `value` padded with two begin and two end sentinels. */
export function paddedCodePoints(value: string): number[] {
  const cps: number[] = [BEGIN_CP, BEGIN_CP];
  for (let i = 0; i < value.length; i++) {
    const c = value.codePointAt(i)!;
    cps.push(c);
    if (c > 0xffff) i++;
  }
  cps.push(END_CP, END_CP);
  return cps;
}

/**
 * All hints of one (tenant, name, value), deduplicated, appended to `out` (returned). The value
 * hint first, then the trigrams in order. Empty value → no hints.
 */
export function deriveHints(seed: HintSeed, value: string, out: Fingerprint[] = []): Fingerprint[] {
  if (value === '') return out;
  out.push(valueHint(seed, value));
  const cps = paddedCodePoints(value);
  const start = out.length;
  const seen = cps.length > 40 ? new Set<number>() : undefined;
  for (let i = 0; i + 3 <= cps.length; i++) {
    const fp = trigramHint(seed, cps[i]!, cps[i + 1]!, cps[i + 2]!);
    let dup = false;
    if (seen) {
      dup = seen.has(fp);
      seen.add(fp);
    } else for (let j = start; j < out.length && !dup; j++) dup = out[j] === fp;
    if (!dup) out.push(fp);
  }
  return out;
}

/** Human-readable trigrams of a value (for tests and Explain): `^^m ^mo … h$$`. */
export function describeTrigrams(value: string): string[] {
  const cps = paddedCodePoints(value);
  const show = (c: number): string => (c === BEGIN_CP ? '^' : c === END_CP ? '$' : String.fromCodePoint(c));
  const out: string[] = [];
  for (let i = 0; i + 3 <= cps.length; i++) out.push(show(cps[i]!) + show(cps[i + 1]!) + show(cps[i + 2]!));
  return out;
}
