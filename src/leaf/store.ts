/**
 * The leaf's columnar in-memory store: one `TenantStore` per tenant, each series keyed by its
 * target key (KeyEncoder over the leaf's target labels) so reads can be scoped to key ranges.
 * No read ever crosses tenants: a tenant's store only holds that tenant's series.
 */
import { validateTimestamp, KeyEncoder, labelsKey, type KeySpan, type Labels, type Querier, EMPTY_QUERIER } from '../model/index.js';
import { appendSamples, type AppendOutcome } from './store-append.js';
import { SeriesHead } from './store-head.js';
import { TenantStore, type StoreStats } from './store-tenant.js';

export type { StoreStats } from './store-tenant.js';

export class LeafStore {
  readonly keys: KeyEncoder;
  private readonly tenants = new Map<string, TenantStore>();

  constructor(targetLabels?: readonly string[]) {
    this.keys = new KeyEncoder(targetLabels);
  }

  tenant(tenant: string): TenantStore | undefined {
    return this.tenants.get(tenant);
  }

  tenantNames(): string[] {
    return [...this.tenants.keys()].sort();
  }

  private tenantOrCreate(tenant: string): TenantStore {
    let t = this.tenants.get(tenant);
    if (!t) this.tenants.set(tenant, (t = new TenantStore(tenant)));
    return t;
  }

  /**
   * Appends one series' samples (labels already validated). The series is created on its first
   * accepted sample only, so a fully rejected write leaves no empty series behind.
   */
  append(tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>): AppendOutcome {
    const ts = this.tenantOrCreate(tenant);
    const lk = labelsKey(labels);
    let id = ts.lookup(labels);
    if (id === undefined) {
      // On an empty head the first valid timestamp is always accepted.
      if (!anyValidTimestamp(t)) return appendSamples(new SeriesHead(0), t, v);
      id = ts.getOrCreate(labels, this.keys.keyOf(tenant, labels), lk);
    }
    return appendSamples(ts.heads[id]!, t, v);
  }

  /** A querier over a tenant's series whose keys lie in `spans` (undefined: the whole tenant). */
  querier(tenant: string, spans?: readonly KeySpan[]): Querier {
    const ts = this.tenants.get(tenant);
    return ts ? ts.querier(spans) : EMPTY_QUERIER;
  }

  stats(tenant: string, spans?: readonly KeySpan[]): StoreStats {
    const ts = this.tenants.get(tenant);
    return ts ? ts.stats(spans) : { series: 0, samples: 0, bytes: 0, minTimeMs: Infinity, maxTimeMs: -Infinity };
  }
}

function anyValidTimestamp(t: ArrayLike<number>): boolean {
  for (let i = 0; i < t.length; i++) if (validateTimestamp(t[i]!) === undefined) return true;
  return false;
}
