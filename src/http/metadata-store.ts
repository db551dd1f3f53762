/**
 * Metric metadata (type, help, unit) learnt from remote write requests, per tenant, served by
 * /api/v1/metadata. Kept in the gateway's memory only: each gateway knows what its writers
 * sent it (Prometheus re-sends all metadata every minute, so every gateway converges).
 */
import type { RemoteMetadata } from './remote-write.js';

export interface MetadataEntry {
  type: string;
  help: string;
  unit: string;
}

/** Bound on metric families kept per tenant (a writer cannot grow memory without limit). */
export const MAX_METADATA_FAMILIES = 100_000;

export class MetadataStore {
  private readonly byTenant = new Map<string, Map<string, MetadataEntry[]>>();

  add(tenant: string, items: readonly RemoteMetadata[]): void {
    if (items.length === 0) return;
    let m = this.byTenant.get(tenant);
    if (!m) this.byTenant.set(tenant, (m = new Map()));
    for (const it of items) {
      if (it.metricFamilyName === '') continue;
      const entry = { type: it.type, help: it.help, unit: it.unit };
      const list = m.get(it.metricFamilyName);
      if (!list) {
        if (m.size >= MAX_METADATA_FAMILIES) continue;
        m.set(it.metricFamilyName, [entry]);
      } else if (!list.some((e) => e.type === entry.type && e.help === entry.help && e.unit === entry.unit)) {
        list.push(entry);
        if (list.length > 10) list.shift();
      }
    }
  }

  /** Prometheus's /api/v1/metadata `data`: metric → entries; `limit` families, `limitPerMetric` entries each (0 = all). */
  query(tenant: string, metric: string, limit: number, limitPerMetric: number): Record<string, MetadataEntry[]> {
    const out: Record<string, MetadataEntry[]> = {};
    const m = this.byTenant.get(tenant);
    if (!m) return out;
    const names = metric !== '' ? (m.has(metric) ? [metric] : []) : [...m.keys()].sort();
    let n = 0;
    for (const name of names) {
      if (limit > 0 && n >= limit) break;
      const list = m.get(name)!;
      out[name] = limitPerMetric > 0 ? list.slice(0, limitPerMetric) : [...list];
      n++;
    }
    return out;
  }
}
