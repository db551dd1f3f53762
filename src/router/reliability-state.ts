/**
 * The gateway's reliability state (one per gateway, shared by all its queries): per-leaf circuit
 * breakers, latency/load tracking, the hedge budget, hedging on/off, deadline bounds, and the
 * fan-out metrics — all from src/reliability.
 *
 * It is found from the gateway's `Topology` (attached at gateway start), so the fan-out code
 * (`executeFanout`) needs no new parameter. A topology without one (a test building a context
 * by hand) gets a private default on first use.
 */
import type { Registry } from 'prom-client';
import {
  BreakerRegistry,
  createReliabilityMetrics,
  DEFAULT_DEADLINE_OPTIONS,
  HedgeBudget,
  LatencyTracker,
  type BreakerOptions,
  type DeadlineOptions,
  type HedgeBudgetOptions,
  type HedgeOptions,
  type ReliabilityMetrics,
} from '../reliability/index.js';
import type { RangeTable } from '../shard/index.js';
import { CoverageMonitor, DEFAULT_COVERAGE_POLL_MS } from './reliability-coverage.js';
import type { Topology } from './topology.js';

export interface ReliabilityOptions {
  /** Hedge slow leaf calls to the next replica (default true); `canopy gateway --no-hedge` turns it off. */
  hedge?: boolean | HedgeOptions;
  hedgeBudget?: HedgeBudgetOptions;
  breaker?: BreakerOptions;
  /** Largest query timeout a request may ask for, ms (default 5 min); larger ones are clamped. */
  maxTimeoutMs?: number;
  /** Soft deadline as a fraction of the hard one (default 0.5). */
  softFraction?: number;
  /** Leaf Status poll for replica time coverage, ms (default 10 s; 0 = off). */
  coveragePollMs?: number;
}

export class GatewayReliability {
  readonly breakers: BreakerRegistry;
  readonly latency = new LatencyTracker();
  readonly budget: HedgeBudget;
  readonly metrics: ReliabilityMetrics;
  readonly hedge: HedgeOptions | false;
  readonly deadlineOptions: Required<Pick<DeadlineOptions, 'maxTimeoutMs' | 'softFraction'>>;
  readonly coveragePollMs: number;
  /** Replica time coverage from the leaves' Status (set by attachReliability when polling is on). */
  coverage: CoverageMonitor | undefined;

  constructor(opts: ReliabilityOptions = {}, registry?: Registry) {
    this.coveragePollMs = opts.coveragePollMs ?? DEFAULT_COVERAGE_POLL_MS;
    this.breakers = new BreakerRegistry(opts.breaker ?? {}, registry);
    this.budget = new HedgeBudget(opts.hedgeBudget);
    this.metrics = createReliabilityMetrics(registry);
    this.hedge = opts.hedge === false ? false : opts.hedge === true || opts.hedge === undefined ? {} : opts.hedge;
    this.deadlineOptions = {
      maxTimeoutMs: opts.maxTimeoutMs ?? DEFAULT_DEADLINE_OPTIONS.maxTimeoutMs,
      softFraction: opts.softFraction ?? DEFAULT_DEADLINE_OPTIONS.softFraction,
    };
  }

  private lastTable: RangeTable | undefined;
  private readonly addresses = new Map<string, string>();

  /**
   * Follows the assignment's leaf records: a leaf re-registered at a new address is a new
   * process, so its breaker starts closed again; a leaf that left is forgotten.
   */
  sync(table: RangeTable): void {
    if (table === this.lastTable) return;
    this.lastTable = table;
    const seen = new Set<string>();
    for (const l of table.leaves()) {
      seen.add(l.id);
      const before = this.addresses.get(l.id);
      if (before !== undefined && before !== l.address) this.breakers.remove(l.id);
      this.addresses.set(l.id, l.address);
    }
    for (const id of [...this.addresses.keys()]) {
      if (!seen.has(id)) {
        this.addresses.delete(id);
        this.breakers.remove(id);
      }
    }
  }

  private readonly probing = new Set<string>();

  /**
   * Sends one Status call through the breaker of each half-open leaf among `leafIds` (not
   * awaited). The resolver ranks a half-open leaf after its closed peers, so without a probe it
   * would never get the call that closes its breaker again after it recovered.
   */
  probeHalfOpen(leafIds: Iterable<string>, topology: Topology, timeoutMs = 2000): void {
    for (const id of leafIds) {
      if (this.probing.has(id) || this.breakers.state(id) !== 'halfOpen') continue;
      const client = topology.client(id);
      if (!client) continue;
      this.probing.add(id);
      void this.breakers
        .fire(id, (signal) => client.status({ signal, deadlineMs: Date.now() + timeoutMs }))
        .then(
          () => topology.markUp(id),
          () => {},
        )
        .finally(() => this.probing.delete(id));
    }
  }

  get hedging(): boolean {
    return this.hedge !== false && this.hedge.enabled !== false;
  }

  /** Stops the breakers' timers (gateway stop). */
  close(): void {
    this.coverage?.stop();
    this.breakers.close();
  }
}

const byTopology = new WeakMap<Topology, GatewayReliability>();

/** Makes `r` the reliability state of the gateway owning `topology` and starts its coverage poll. */
export function attachReliability(topology: Topology, r: GatewayReliability): GatewayReliability {
  byTopology.set(topology, r);
  if (r.coveragePollMs > 0 && !r.coverage) {
    r.coverage = new CoverageMonitor(topology, r.coveragePollMs);
    r.coverage.start();
  }
  return r;
}

export function reliabilityOf(topology: Topology): GatewayReliability {
  let r = byTopology.get(topology);
  if (!r) byTopology.set(topology, (r = new GatewayReliability()));
  return r;
}

/**
 * The deadline bounds a new QueryContext should get from its gateway (spread into
 * `QueryContextInit`): the server maximum and the soft fraction.
 */
export function contextLimits(topology: Topology): { maxTimeoutMs: number; softFraction: number } {
  return { ...reliabilityOf(topology).deadlineOptions };
}
