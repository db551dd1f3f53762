/**
 * The gateway's live view of the cluster: a `RangeTable` rebuilt whenever the assignment store
 * changes, one `LeafClient` per registered leaf (recreated when its address changes), and the
 * last known health of each leaf (from calls and Status probes). A query or write takes one
 * `table` snapshot and uses it from start to end.
 */
import type { Logger } from 'pino';
import { KeyEncoder } from '../model/index.js';
import { LeafClient } from '../rpc/index.js';
import { randomBytes } from 'node:crypto';
import { RangeTable, type AssignmentStore, type GatewayRegistration, type LeafRecord } from '../shard/index.js';

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

/**
 * How long a leaf that disappeared from the store's membership (lease expired or revoked) stays
 * routable while ranges still name it. A lease can lapse for a moment around an etcd outage and
 * be re-granted a few seconds later; the leaf itself never stopped serving. A leaf that is really
 * gone fails its calls either way (and the balancer re-replicates its ranges).
 */
export const LEAF_GRACE_MS = 30_000;

export class Topology {
  readonly encoder: KeyEncoder;
  private current: RangeTable;
  private readonly clients = new Map<string, LeafClient>();
  private readonly health = new Map<string, LeafHealth>();
  private readonly unwatch: () => void;
  /** Leaves seen registered, and since when they are missing (undefined: registered now). */
  private readonly known = new Map<string, { rec: LeafRecord; goneAt?: number }>();
  private graceTimer: NodeJS.Timeout | undefined;
  /** This gateway's acknowledgement of the assignment it routes with (the move barrier). */
  readonly gatewayId = `gw-${process.pid}-${randomBytes(3).toString('hex')}`;
  private registration: Promise<GatewayRegistration | undefined>;
  private reported = 0;
  private closed = false;

  constructor(
    /** The assignment store this view follows (also used by the Admin operations). */
    readonly store: AssignmentStore,
    targetLabels: readonly string[] | undefined,
    readonly logger: Logger,
    private readonly opts: { leafGraceMs?: number } = {},
  ) {
    this.encoder = new KeyEncoder(targetLabels);
    this.current = this.rebuild();
    this.registration = store.registerGateway(this.gatewayId).then(
      (r) => {
        if (this.closed) return void r.revoke().catch(() => undefined), undefined;
        return r;
      },
      (e: unknown) => {
        this.logger.warn({ err: (e as Error).message }, 'gateway registration failed; moves will not wait for this gateway');
        return undefined;
      },
    );
    this.reportSeen();
    this.unwatch = store.watch(() => {
      this.current = this.rebuild();
      this.reportSeen();
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

  /** Publishes the assignment revision the current table was built from (once per revision). */
  private reportSeen(): void {
    const rev = this.store.assignmentRevision();
    if (rev <= this.reported) return;
    this.reported = rev;
    void this.registration.then((r) => r?.reportSeen(rev)).catch((e: unknown) => {
      this.reported = Math.min(this.reported, rev - 1); // retried on the next change
      this.logger.debug({ err: (e as Error).message }, 'could not report the assignment revision');
    });
  }

  close(): void {
    this.closed = true;
    void this.registration.then((r) => r?.revoke()).catch(() => undefined);
    this.unwatch();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private rebuild(): RangeTable {
    const ranges = this.store.ranges();
    const now = Date.now();
    const leaves = this.store.leaves();
    const live = new Set(leaves.map((l) => l.id));
    for (const l of leaves) this.known.set(l.id, { rec: l });
    const named = new Set(ranges.flatMap((r) => r.replicas.map((x) => x.leafId)));
    let nextExpiry = Infinity;
    for (const [id, k] of this.known) {
      if (live.has(id)) continue;
      k.goneAt ??= now;
      const grace = this.opts.leafGraceMs ?? LEAF_GRACE_MS;
      if (now - k.goneAt < grace && named.has(id)) {
        leaves.push(k.rec);
        nextExpiry = Math.min(nextExpiry, k.goneAt + grace);
      } else this.known.delete(id);
    }
    if (nextExpiry < Infinity) {
      if (this.graceTimer) clearTimeout(this.graceTimer);
      this.graceTimer = setTimeout(() => (this.current = this.rebuild()), nextExpiry - now + 10);
      this.graceTimer.unref();
    }
    const t = new RangeTable(ranges, leaves);
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
