/**
 * Sample values. Timestamps are integer milliseconds since the Unix epoch, held as float64
 * (exact up to 2^53, far beyond any real time). Values are float64.
 *
 * Staleness: Prometheus marks a series as gone with a special NaN (bit pattern
 * 0x7ff0000000000002). NaN payloads survive copies between Float64Arrays in V8, so stores keep the
 * marker in the value column as-is; use `isStaleNaN` to test it (an ordinary NaN is not stale).
 */
const scratch = new Float64Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

export const STALE_NAN: number = (() => {
  scratchBits[0] = 0x00000002;
  scratchBits[1] = 0x7ff00000;
  return scratch[0]!;
})();

/**
 * True for Prometheus's stale marker. Also accepts its quieted form 0x7ff8000000000002: V8 sets
 * the quiet bit when the signalling NaN passes through a plain JS array (literals, push,
 * Float64Array.from(array)), and such a value can only have come from the marker.
 */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false;
  scratch[0] = v;
  return scratchBits[0] === 0x00000002 && (scratchBits[1] === 0x7ff00000 || scratchBits[1] === 0x7ff80000);
}

/** A series' raw samples as two parallel columns, sorted by strictly increasing timestamp. */
export interface SampleColumns {
  readonly t: Float64Array;
  readonly v: Float64Array;
}
