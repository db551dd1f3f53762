/**
 * Kahan–Neumaier compensated summation, exactly as Prometheus `util/kahansum.Inc`.
 *
 * JS never fuses multiply-add, so the arithmetic below rounds exactly like Go's (whose
 * kahansum forces float64 rounding at the call boundary for the same reason).
 */

/** Result slot for {@link kahanSumInc}: index 0 = new sum, index 1 = new compensation. */
export type KahanPair = Float64Array;

/** Allocates a reusable result slot for {@link kahanSumInc}. */
export function newKahanPair(): KahanPair {
  return new Float64Array(2);
}

/**
 * One step of Kahan–Neumaier summation: adds `inc` to `(sum, c)` and writes the new
 * `(sum, c)` into `out[0]`, `out[1]` (no allocation). Mirrors `kahansum.Inc(inc, sum, c)`:
 * when the running sum becomes ±Inf the compensation is reset to 0.
 */
export function kahanSumInc(inc: number, sum: number, c: number, out: KahanPair): void {
  const t = sum + inc;
  if (t > Number.MAX_VALUE || t < -Number.MAX_VALUE) {
    c = 0;
  } else if (Math.abs(sum) >= Math.abs(inc)) {
    c += sum - t + inc;
  } else {
    c += inc - t + sum;
  }
  out[0] = t;
  out[1] = c;
}
