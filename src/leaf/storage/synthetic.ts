/**
 * Deterministic synthetic series for tests and bench/store.ts: a mix shaped after what a
 * Prometheus scrape fleet stores. Kinds (share of series):
 *   counter   35%  monotonically increasing integers, per-series rate 0.01–200/s, ±30% noise,
 *                  rare resets
 *   constant  25%  `up`, `*_info`, config gauges: one value, changing very rarely
 *   gauge-int 20%  integer gauges with jitter (queue lengths, open fds, bytes in 4 KiB pages)
 *   gauge-dec 15%  decimal gauges with jitter (load averages, temperatures: 2 decimals)
 *   gauge-f64  5%  full-precision float gauges (ratios computed by exporters)
 * Timestamps: 15 s scrape interval; 90% of scrapes land exactly on the grid (Prometheus aligns
 * timestamps within a tolerance), the others carry ±`jitterMs` (default 50 ms) of jitter.
 */
import { rng } from '../../model/index.js';
export type SeriesKind = 'counter' | 'constant' | 'gauge-int' | 'gauge-dec' | 'gauge-f64';

export interface SyntheticOptions {
  seed?: number;
  intervalMs?: number;
  jitterMs?: number;
  /** Fraction of scrapes that are jittered (0..1). */
  jitterFraction?: number;
  startMs?: number;
}

export { rng };

export function kindOf(seriesIndex: number): SeriesKind {
  const r = (seriesIndex * 37) % 100;
  if (r < 35) return 'counter';
  if (r < 60) return 'constant';
  if (r < 80) return 'gauge-int';
  if (r < 95) return 'gauge-dec';
  return 'gauge-f64';
}

/** A generator of one series' samples; call `fill` repeatedly to continue the series. */
export class SyntheticSeries {
  private readonly r: () => number;
  private readonly kind: SeriesKind;
  private i = 0;
  private x = 0;
  private readonly rate: number;
  private readonly interval: number;
  private readonly jitter: number;
  private readonly jitterFraction: number;
  private readonly start: number;

  constructor(readonly index: number, opts: SyntheticOptions = {}) {
    this.r = rng((opts.seed ?? 1) * 1_000_003 + index);
    this.kind = kindOf(index);
    this.interval = opts.intervalMs ?? 15_000;
    this.jitter = opts.jitterMs ?? 50;
    this.jitterFraction = opts.jitterFraction ?? 0.1;
    this.start = (opts.startMs ?? 1_700_000_000_000) + Math.floor(this.r() * this.interval);
    const r = this.r;
    this.rate = 10 ** (r() * 4.3 - 2);
    switch (this.kind) {
      case 'counter': this.x = Math.floor(r() * 1e6); break;
      case 'constant': this.x = r() < 0.5 ? 1 : Math.floor(r() * 100); break;
      case 'gauge-int': this.x = Math.floor(r() * 1000) * (r() < 0.3 ? 4096 : 1); break;
      case 'gauge-dec': this.x = Math.round(r() * 5000); break; // hundredths
      case 'gauge-f64': this.x = r(); break;
    }
  }

  get kindName(): SeriesKind {
    return this.kind;
  }

  /** Writes the next n samples into t/v at `off`. */
  fill(t: Float64Array, v: Float64Array, off: number, n: number): void {
    const r = this.r;
    for (let k = 0; k < n; k++, this.i++) {
      let ts = this.start + this.i * this.interval;
      if (r() < this.jitterFraction) ts += Math.round((r() * 2 - 1) * this.jitter);
      t[off + k] = ts;
      switch (this.kind) {
        case 'counter': {
          if (r() < 0.0005) this.x = 0;
          else this.x += Math.max(0, Math.round(this.rate * 15 * (1 + 0.3 * (r() * 2 - 1))));
          v[off + k] = this.x;
          break;
        }
        case 'constant':
          if (r() < 0.001) this.x += 1;
          v[off + k] = this.x;
          break;
        case 'gauge-int': {
          const step = this.x >= 4096 && this.x % 4096 === 0 ? 4096 : 1;
          this.x = Math.max(0, this.x + step * Math.round((r() * 2 - 1) * 8));
          v[off + k] = this.x;
          break;
        }
        case 'gauge-dec':
          this.x = Math.max(0, this.x + Math.round((r() * 2 - 1) * 20));
          v[off + k] = this.x / 100;
          break;
        case 'gauge-f64':
          this.x = Math.min(1, Math.max(0, this.x + (r() - 0.5) * 0.01));
          v[off + k] = this.x;
          break;
      }
    }
  }
}
