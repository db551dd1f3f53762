/**
 * Float accumulators for the `sum`, `avg`, `stddev`/`stdvar`, `min`/`max` aggregators,
 * mirroring Prometheus `evaluator.aggregation` (promql/engine.go) step for step:
 * the first sample of a group initialises the state, later samples are added in input
 * order (the order matters for the last digit; feed series in the engine's order).
 * Objects are reusable: call `first(x)` to start a new group. No allocation per sample.
 */
import { kahanSumInc, newKahanPair } from './kahan.js';

const pair = newKahanPair();
const MAX = Number.MAX_VALUE;

/** sum: Kahan–Neumaier; result = value + compensation. */
export class SumAccumulator {
  value = 0;
  c = 0;
  first(f: number): void {
    this.value = f;
    this.c = 0;
  }
  add(f: number): void {
    // Inlined kahanSumInc(f, value, c).
    const sum = this.value;
    const t = sum + f;
    if (t > MAX || t < -MAX) this.c = 0;
    else if (Math.abs(sum) >= Math.abs(f)) this.c += sum - t + f;
    else this.c += f - t + sum;
    this.value = t;
  }
  result(): number {
    return this.value + this.c;
  }
}

/**
 * avg: direct Kahan sum divided by the count while the sum stays finite; once the sum
 * would overflow, switches to an incremental Kahan mean (Prometheus 3).
 */
export class AvgAccumulator {
  value = 0;
  mean = 0;
  c = 0;
  count = 0;
  incremental = false;
  first(f: number): void {
    this.value = f;
    this.mean = f;
    this.c = 0;
    this.count = 1;
    this.incremental = false;
  }
  add(f: number): void {
    this.count++;
    const count = this.count;
    if (!this.incremental) {
      // Inlined kahanSumInc(f, value, c); on overflow the state is left untouched.
      const sum = this.value;
      const newV = sum + f;
      if (newV !== Infinity && newV !== -Infinity) {
        if (Math.abs(sum) >= Math.abs(f)) this.c += sum - newV + f;
        else this.c += f - newV + sum;
        this.value = newV;
        return;
      }
      this.incremental = true;
      this.mean = this.value / (count - 1);
      this.c /= count - 1;
    }
    const q = (count - 1) / count;
    kahanSumInc(f / count, q * this.mean, q * this.c, pair);
    this.mean = pair[0]!;
    this.c = pair[1]!;
  }
  result(): number {
    if (this.incremental) return this.mean + this.c;
    return this.value / this.count + this.c / this.count;
  }
}

/**
 * stddev/stdvar: Welford's algorithm without compensation (as the aggregator upstream;
 * note stddev_over_time uses a Kahan variant instead). A NaN or ±Inf first sample makes
 * the result NaN.
 */
export class VarianceAccumulator {
  value = 0;
  mean = 0;
  count = 0;
  first(f: number): void {
    this.mean = f;
    this.count = 1;
    this.value = f !== f || f === Infinity || f === -Infinity ? NaN : 0;
  }
  add(f: number): void {
    this.count++;
    const delta = f - this.mean;
    this.mean += delta / this.count;
    this.value += delta * (f - this.mean);
  }
  stdvar(): number {
    return this.value / this.count;
  }
  stddev(): number {
    return Math.sqrt(this.value / this.count);
  }
}

/** max: a NaN running value is replaced by any later sample. */
export class MaxAccumulator {
  value = NaN;
  first(f: number): void {
    this.value = f;
  }
  add(f: number): void {
    if (this.value < f || this.value !== this.value) this.value = f;
  }
  result(): number {
    return this.value;
  }
}

/** min: a NaN running value is replaced by any later sample. */
export class MinAccumulator {
  value = NaN;
  first(f: number): void {
    this.value = f;
  }
  add(f: number): void {
    if (this.value > f || this.value !== this.value) this.value = f;
  }
  result(): number {
    return this.value;
  }
}
