/**
 * mulberry32: a small, fast, seedable PRNG. Everything synthetic in Canopy (the demo data set,
 * storage-benchmark data, test and benchmark generators) uses it, so a seed always reproduces the
 * same data. Returns a generator of floats in [0, 1).
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
