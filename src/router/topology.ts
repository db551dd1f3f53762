/**
 * The gateway's live view of the cluster: a `RangeTable` rebuilt whenever the assignment store
 * changes, one `LeafClient` per registered leaf (recreated when its address changes), and the
 * last known health of each leaf (from calls and Status probes). A query or write takes one
 * `table` snapshot and uses it from start to end.
 */
import type { Logger } from 'pino';
import { KeyEncoder } from '../model/index.js';
import { LeafClient } from '../rpc/index.js';
import { RangeTable, type AssignmentStore } from '../shard/index.js';

export interface LeafHealth {
  up: boolean;
  /** ms since epoch of the observation. */
  at: number;
  error?: string;
}

/**
 * How long a "down" observation demotes a leaf in replica ranking. After it, the leaf is
 * "unknown" again and gets its share of reads, so a recovered leaf is not starved forever.
 */
export const DOWN_TTL_MS = 15_000;

export class Topology {
  readonly encoder: KeyEncoder;
  private current: RangeTable;
  private readonly clients = new Map<string, LeafClient>();
  private readonly health = new Map<string, LeafHealth>();
  private readonly unwatch: () => void;

  constructor(
    /** The assignment store this view follows (also used by the Admin operations). */
    readonly store: AssignmentStore,
    targetLabels: readonly string[] | undefined,
    readonly logger: Logger,
  ) {
    this.encoder = new KeyEncoder(targetLabels);
    this.current = this.rebuild();
    this.unwatch = store.watch(() => {
      this.current = this.rebuild();
    });
  }

  /** The current routing table (immutable snapshot). */
  get table(): RangeTable {
    return this.current;
  }

  /** The client of a registered leaf, or undefined when the leaf is not registered. */
  client(leafId: string): LeafClient | undefined {
    const rec = this.current.leaf(leafId);
    if (!rec) return undefined;
    let c = this.clients.get(leafId);
    if (c && c.address !== rec.address) {
      c.close();
      c = undefined;
    }
    if (!c) {
      c = new LeafClient(rec.address);
      this.clients.set(leafId, c);
    }
    return c;
  }

  /** false = seen down within DOWN_TTL_MS; true = last call succeeded; undefined = unknown. */
  leafUp = (leafId: string): boolean | undefined => {
    const h = this.health.get(leafId);
    if (!h) return undefined;
    if (!h.up && Date.now() - h.at > DOWN_TTL_MS) return undefined;
    return h.up;
  };

  leafHealth(leafId: string): LeafHealth | undefined {
    return this.health.get(leafId);
  }

  markUp(leafId: string): void {
    const h = this.health.get(leafId);
    if (h?.up !== true) this.logger.debug({ leaf: leafId }, 'leaf up');
    this.health.set(leafId, { up: true, at: Date.now() });
  }

  markDown(leafId: string, error: string): void {
    const h = this.health.get(leafId);
    if (h?.up !== false) this.logger.warn({ leaf: leafId, err: error }, 'leaf down');
    this.health.set(leafId, { up: false, at: Date.now(), error });
  }

  close(): void {
    this.unwatch();
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private rebuild(): RangeTable {
    const t = new RangeTable(this.store.ranges(), this.store.leaves());
    const problems = t.validate();
    if (problems.length > 0) this.logger.warn({ problems }, 'range assignment does not tile the key space');
    // Drop clients of leaves that left.
    for (const [id, c] of this.clients) {
      if (!t.leaf(id)) {
        c.close();
        this.clients.delete(id);
      }
    }
    return t;
  }
}
