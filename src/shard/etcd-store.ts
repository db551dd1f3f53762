/**
 * The etcd-backed assignment store (production): one local copy of everything under the prefix
 * (leaves, ranges, load), kept current by a prefix watch and served synchronously to gateways,
 * leaves and the balancer.
 *
 * Availability: when etcd is unreachable readers keep the last copy (nothing is dropped); the
 * etcd3 client reconnects the watch with a capped exponential backoff, and every reconnect
 * triggers a full resync (a prefix read) so deletions missed while away are applied too. A
 * periodic resync (default every 30 s) bounds staleness whatever happens to the watch.
 *
 * Consistency of the copy: every key carries the etcd revision it was last changed at; an update
 * (watch event, resync snapshot, our own committed transaction) is applied only when newer than
 * what the copy holds, and deletions leave a tombstone revision, so the order in which watch
 * events and snapshots arrive never resurrects or reverts anything.
 *
 * Writes: `updateRanges` reads the ranges fresh from etcd and commits in one transaction that
 * compares each read key's mod revision (or absence); a lost race re-reads and retries. Static
 * leaf records (`putLeaf`, `removeLeaf`) are compare-and-swap transactions too. The keys of a
 * registration (leaves/<id> and load/<id> under the leaf's lease) have a single writer, the
 * leaf holding the lease, and are plain puts under that lease.
 */
import { Etcd3, type IOptions, type Lease, type Watcher } from 'etcd3';
import { ExponentialBackoff } from 'cockatiel';
import { pino, type Logger } from 'pino';
import { compareKeys, UnavailableError } from '../model/index.js';
import {
  AssignmentConflictError,
  checkRangeChange,
  DEFAULT_LEAF_TTL_MS,
  type AssignmentStore,
  type GatewayRecord,
  type GatewayRegistration,
  type LeaderCampaign,
  type LeafLoad,
  type LeafRecord,
  type LeafRegistration,
  type RangeAssignment,
  type RangeChange,
  type RegisterOptions,
} from './assignment-store.js';
import { decodeLeaf, decodeLoad, decodeRange, DEFAULT_ETCD_PREFIX, encodeLeaf, encodeLoad, encodeRange, keyOf, parseKey } from './etcd-codec.js';

export interface EtcdStoreOptions {
  /** etcd client URLs, e.g. http://127.0.0.1:2379 (comma-separated string or list). */
  endpoints: string | readonly string[];
  /** Key prefix (default /canopy/v1/); must end with '/'. */
  prefix?: string;
  logger?: Logger;
  /** How long `connect` keeps retrying the first read before giving up, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Full resync period, ms (default 30 s; 0 disables). */
  resyncEveryMs?: number;
  /** Deadline of each unary etcd call, ms (default 5 s). */
  callTimeoutMs?: number;
  /** Cap of the watch reconnect backoff, ms (default 2 s). */
  maxBackoffMs?: number;
}

/** Attempts of an updateRanges read-compute-commit cycle before giving up. */
const MAX_TXN_ATTEMPTS = 8;
const ELECTION_TTL_S = 3;

interface Entry {
  rev: number;
  value: string;
}

export class EtcdAssignmentStore implements AssignmentStore {
  readonly prefix: string;
  private readonly client: Etcd3;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  private readonly tombstones = new Map<string, number>();
  private readonly watchers = new Set<() => void>();
  private readonly registrations = new Set<LeafRegistration>();
  private readonly campaigns = new Set<LeaderCampaign>();
  private watcher: Watcher | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private notifyScheduled = false;
  private views: { leaves: LeafRecord[]; ranges: RangeAssignment[]; loads: LeafLoad[]; gateways: GatewayRecord[] } | undefined;
  private assignRev = 0;
  private syncing: Promise<void> | undefined;
  /** Whether the watch stream is currently connected. */
  connected = false;
  /** ms since epoch of the last successful full resync. */
  lastSyncAt = 0;
  /** Number of full resyncs done (tests observe reconnects through it). */
  resyncs = 0;

  private constructor(private readonly opts: EtcdStoreOptions) {
    this.prefix = opts.prefix ?? DEFAULT_ETCD_PREFIX;
    if (!this.prefix.endsWith('/')) throw new Error(`etcd prefix must end with '/': ${this.prefix}`);
    this.logger = opts.logger ?? pino({ name: 'canopy-etcd', level: process.env.LOG_LEVEL ?? 'warn' });
    const hosts = typeof opts.endpoints === 'string' ? opts.endpoints.split(',').map((s) => s.trim()).filter(Boolean) : [...opts.endpoints];
    const callTimeout = opts.callTimeoutMs ?? 5_000;
    const options: IOptions = {
      hosts,
      dialTimeout: callTimeout,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeout }),
      // etcd3 passes the backoff factory itself (its own default is `new ExponentialBackoff()`);
      // its type says IBackoff, hence the cast.
      faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: opts.maxBackoffMs ?? 2_000 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'] },
    };
    this.client = new Etcd3(options);
  }

  /** Connects, loads the first copy (retrying until connectTimeoutMs), and starts watching. */
  static async connect(opts: EtcdStoreOptions): Promise<EtcdAssignmentStore> {
    const s = new EtcdAssignmentStore(opts);
    const deadline = Date.now() + (opts.connectTimeoutMs ?? 10_000);
    let delay = 100;
    for (;;) {
      try {
        await s.resync();
        break;
      } catch (e) {
        if (Date.now() + delay > deadline) {
          s.client.close();
          throw new UnavailableError(`cannot reach etcd at ${String(opts.endpoints)}: ${(e as Error).message}`);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 1_000);
      }
    }
    await s.startWatch();
    const every = opts.resyncEveryMs ?? 30_000;
    if (every > 0) {
      s.resyncTimer = setInterval(() => void s.resync().catch((e: unknown) => s.logger.debug({ err: e }, 'periodic etcd resync failed')), every);
      s.resyncTimer.unref();
    }
    return s;
  }

  // ---- reads (the local copy) ----

  leaves(): LeafRecord[] {
    return [...this.view().leaves];
  }

  ranges(): RangeAssignment[] {
    return [...this.view().ranges];
  }

  loads(): LeafLoad[] {
    return [...this.view().loads];
  }

  assignmentRevision(): number {
    return this.assignRev;
  }

  gateways(): GatewayRecord[] {
    return [...this.view().gateways];
  }

  async registerGateway(id: string, opts: RegisterOptions = {}): Promise<GatewayRegistration> {
    const lease = this.client.lease(Math.max(1, Math.ceil((opts.ttlMs ?? DEFAULT_LEAF_TTL_MS) / 1000)));
    lease.on('lost', (err) => this.logger.warn({ gateway: id, err: err.message }, 'gateway lease lost; it re-registers on its next report'));
    const key = keyOf(this.prefix, 'gateways', id);
    let current = lease;
    let seen = 0;
    let ended = false;
    await current.put(key).value(JSON.stringify({ seen })).exec();
    return {
      reportSeen: async (rev) => {
        if (ended || rev <= seen) return;
        seen = rev;
        if (current.revoked()) {
          current = this.client.lease(Math.max(1, Math.ceil((opts.ttlMs ?? DEFAULT_LEAF_TTL_MS) / 1000)));
        }
        await current.put(key).value(JSON.stringify({ seen })).exec();
      },
      revoke: async () => {
        ended = true;
        await current.revoke().catch(() => undefined);
      },
    };
  }

  watch(cb: () => void): () => void {
    this.watchers.add(cb);
    return () => {
      this.watchers.delete(cb);
    };
  }

  // ---- writes ----

  /** A static leaf record (no lease): compare-and-put against the key's current revision. */
  async putLeaf(l: LeafRecord): Promise<void> {
    const key = keyOf(this.prefix, 'leaves', l.id);
    await this.casKey(key, () => encodeLeaf(l));
  }

  /** Deletes the leaf and its load report, each compared against its current revision. */
  async removeLeaf(id: string): Promise<void> {
    for (const kind of ['leaves', 'load'] as const) await this.casKey(keyOf(this.prefix, kind, id), () => undefined);
  }

  /**
   * Reads `key`, then writes `next()` (undefined = delete) in a transaction that compares the
   * revision read (or absence); retries when another writer got in between.
   */
  private async casKey(key: string, next: () => string | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_TXN_ATTEMPTS; attempt++) {
      const cur = await this.client.get(key).exec();
      const kv = cur.kvs[0];
      const value = next();
      if (!kv && value === undefined) return;
      const txn = kv ? this.client.if(key, 'Mod', '==', Number(kv.mod_revision)) : this.client.if(key, 'Create', '==', 0);
      const out = await txn.then(value === undefined ? this.client.delete().key(key) : this.client.put(key).value(value)).commit();
      if (out.succeeded) {
        this.apply(key, Number(out.header.revision), value);
        return;
      }
    }
    throw new AssignmentConflictError(`${key}: concurrent changes won ${MAX_TXN_ATTEMPTS} times in a row`);
  }

  async putRange(r: RangeAssignment): Promise<void> {
    await this.commit([r.id], (cur) => {
      const prev = cur.get(r.id);
      if (prev && r.epoch < prev.epoch) throw new Error(`range ${r.id}: stale epoch ${r.epoch} (stored epoch is ${prev.epoch})`);
      return { put: [r] };
    }, false);
  }

  updateRanges(ids: readonly string[], fn: (current: ReadonlyMap<string, RangeAssignment>) => RangeChange | undefined): Promise<RangeChange | undefined> {
    return this.commit(ids, fn, true);
  }

  async registerLeaf(l: LeafRecord, opts: RegisterOptions = {}): Promise<LeafRegistration> {
    const ttlS = Math.max(1, Math.ceil((opts.ttlMs ?? DEFAULT_LEAF_TTL_MS) / 1000));
    const leafKey = keyOf(this.prefix, 'leaves', l.id);
    const loadKey = keyOf(this.prefix, 'load', l.id);
    let ended = false;
    let lastLoad: string | undefined;
    let lease: Lease;
    // One re-registration loop at a time: while etcd is down every new lease fails (and emits
    // 'lost' itself), which must not spawn further loops.
    let regranting = false;
    const grant = async (): Promise<void> => {
      const next = this.client.lease(ttlS);
      next.on('lost', (err) => {
        if (ended || this.closed || next !== lease || regranting) return;
        this.logger.warn({ leaf: l.id, err: err.message }, 'leaf lease lost; registering again');
        void regrant();
      });
      lease = next;
      try {
        await next.put(leafKey).value(encodeLeaf(l)).exec();
        if (lastLoad !== undefined) await next.put(loadKey).value(lastLoad).exec();
      } catch (e) {
        next.release();
        throw e;
      }
    };
    const regrant = async (): Promise<void> => {
      regranting = true;
      let delay = 200;
      try {
        while (!ended && !this.closed) {
          try {
            await grant();
            this.logger.info({ leaf: l.id }, 'leaf registered again');
            return;
          } catch (e) {
            this.logger.debug({ leaf: l.id, err: (e as Error).message }, 'leaf registration retry');
            await sleep(delay);
            delay = Math.min(delay * 2, 2_000);
          }
        }
      } finally {
        regranting = false;
      }
    };
    await grant();
    const reg: LeafRegistration = {
      leafId: l.id,
      reportLoad: async (load) => {
        if (ended) return;
        lastLoad = encodeLoad(load);
        await lease.put(loadKey).value(lastLoad).exec();
      },
      release: () => {
        ended = true;
        this.registrations.delete(reg);
        lease.release();
      },
      revoke: async () => {
        if (ended) return;
        ended = true;
        this.registrations.delete(reg);
        await lease.revoke().catch((e: unknown) => this.logger.debug({ err: e }, 'lease revoke failed'));
      },
    };
    this.registrations.add(reg);
    return reg;
  }

  campaign(candidate: string): LeaderCampaign {
    const election = this.client.election(`${this.prefix}balancer/leader`, ELECTION_TTL_S);
    const cbs = new Set<(leading: boolean) => void>();
    let leading = false;
    let resigned = false;
    let current: ReturnType<typeof election.campaign> | undefined;
    const set = (v: boolean): void => {
      if (leading === v) return;
      leading = v;
      for (const cb of [...cbs]) cb(v);
    };
    const run = (): void => {
      if (resigned || this.closed) return;
      const c = election.campaign(candidate);
      current = c;
      c.on('elected', () => set(true));
      c.on('error', (err: Error) => {
        this.logger.warn({ candidate, err: err.message }, 'balancer election error; campaigning again');
        set(false);
        setTimeout(run, 1_000).unref();
      });
    };
    run();
    const handle: LeaderCampaign = {
      isLeader: () => leading,
      onChange: (cb) => {
        cbs.add(cb);
        if (leading) queueMicrotask(() => cbs.has(cb) && cb(true));
        return () => cbs.delete(cb);
      },
      resign: async () => {
        if (resigned) return;
        resigned = true;
        this.campaigns.delete(handle);
        set(false);
        await current?.resign().catch(() => undefined);
      },
    };
    this.campaigns.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const c of [...this.campaigns]) await c.resign();
    for (const r of [...this.registrations]) await r.revoke();
    this.closed = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watchers.clear();
    await this.watcher?.cancel().catch(() => undefined);
    this.client.close();
  }

  /** Re-reads everything under the prefix and reconciles the local copy (see the file comment). */
  resync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const res = await this.client.getAll().prefix(this.prefix).exec();
        const rev = Number(res.header.revision);
        const seen = new Set<string>();
        let changed = false;
        for (const kv of res.kvs) {
          const key = kv.key.toString();
          seen.add(key);
          changed = this.set(key, Number(kv.mod_revision), kv.value.toString()) || changed;
        }
        for (const [key, e] of this.entries) {
          if (!seen.has(key) && e.rev <= rev) changed = this.set(key, rev, undefined) || changed;
        }
        this.lastSyncAt = Date.now();
        this.resyncs++;
        if (changed) this.changed();
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  // ---- internals ----

  private async startWatch(): Promise<void> {
    const w = await this.client.watch().prefix(this.prefix).create();
    this.watcher = w;
    this.connected = true;
    let lost = false;
    w.on('put', (kv) => this.apply(kv.key.toString(), Number(kv.mod_revision), kv.value.toString()));
    w.on('delete', (kv) => this.apply(kv.key.toString(), Number(kv.mod_revision), undefined));
    w.on('disconnected', (err) => {
      if (this.closed) return;
      // Each failed reconnect attempt reports again: warn once per outage.
      if (this.connected) this.logger.warn({ err: err.message }, 'etcd watch disconnected; serving the last copy');
      else this.logger.debug({ err: err.message }, 'etcd watch still disconnected');
      this.connected = false;
      lost = true;
    });
    w.on('connected', () => {
      this.connected = true;
      if (!lost || this.closed) return;
      lost = false;
      this.logger.info('etcd watch reconnected; resyncing');
      void this.resync().catch((e: unknown) => this.logger.warn({ err: e }, 'etcd resync after reconnect failed'));
    });
    w.on('error', (err) => this.logger.warn({ err: err.message }, 'etcd watch error'));
  }

  private async commit(ids: readonly string[], fn: (current: ReadonlyMap<string, RangeAssignment>) => RangeChange | undefined, bump: boolean): Promise<RangeChange | undefined> {
    for (let attempt = 0; attempt < MAX_TXN_ATTEMPTS; attempt++) {
      const res = await this.client.getAll().prefix(`${this.prefix}ranges/`).exec();
      const current = new Map<string, RangeAssignment>();
      const revs = new Map<string, number>();
      const wanted = new Set(ids);
      for (const kv of res.kvs) {
        const p = parseKey(this.prefix, kv.key.toString());
        if (!p || !wanted.has(p.id)) continue;
        current.set(p.id, decodeRange(p.id, kv.value.toString()));
        revs.set(p.id, Number(kv.mod_revision));
      }
      const change = fn(current);
      if (!change) return undefined;
      if (bump) checkRangeChange(ids, current, change);
      let txn = this.client.if(keyOf(this.prefix, 'ranges', ids[0]!), revs.has(ids[0]!) ? 'Mod' : 'Create', '==', revs.get(ids[0]!) ?? 0);
      for (const id of ids.slice(1)) txn = txn.and(keyOf(this.prefix, 'ranges', id), revs.has(id) ? 'Mod' : 'Create', '==', revs.get(id) ?? 0);
      const ops = [
        ...change.put.map((r) => this.client.put(keyOf(this.prefix, 'ranges', r.id)).value(encodeRange(r))),
        ...(change.remove ?? []).map((id) => this.client.delete().key(keyOf(this.prefix, 'ranges', id))),
      ];
      const out = await txn.then(...ops).commit();
      if (out.succeeded) {
        const rev = Number(out.header.revision);
        for (const id of change.remove ?? []) this.apply(keyOf(this.prefix, 'ranges', id), rev, undefined);
        for (const r of change.put) this.apply(keyOf(this.prefix, 'ranges', r.id), rev, encodeRange(r));
        return change;
      }
      this.logger.debug({ ids, attempt }, 'range transaction lost a race; retrying');
    }
    throw new AssignmentConflictError(`ranges ${ids.join(',')}: concurrent changes won ${MAX_TXN_ATTEMPTS} times in a row`);
  }

  private apply(key: string, rev: number, value: string | undefined): void {
    if (this.set(key, rev, value)) this.changed();
  }

  /** Applies one keyed update if newer than what we hold; returns whether anything changed. */
  private set(key: string, rev: number, value: string | undefined): boolean {
    const cur = this.entries.get(key);
    if (cur && cur.rev >= rev) return false;
    const dead = this.tombstones.get(key);
    if (dead !== undefined && dead >= rev) return false;
    const kind = parseKey(this.prefix, key)?.kind;
    if ((kind === 'leaves' || kind === 'ranges') && rev > this.assignRev) this.assignRev = rev;
    if (value === undefined) {
      this.tombstones.set(key, rev);
      return this.entries.delete(key);
    }
    this.tombstones.delete(key);
    if (cur?.value === value) {
      cur.rev = rev;
      return false;
    }
    this.entries.set(key, { rev, value });
    return true;
  }

  private view(): NonNullable<EtcdAssignmentStore['views']> {
    if (this.views) return this.views;
    const leaves: LeafRecord[] = [];
    const ranges: RangeAssignment[] = [];
    const loads: LeafLoad[] = [];
    const gateways: GatewayRecord[] = [];
    for (const [key, e] of this.entries) {
      const p = parseKey(this.prefix, key);
      if (!p) continue;
      try {
        if (p.kind === 'leaves') leaves.push(decodeLeaf(p.id, e.value));
        else if (p.kind === 'ranges') ranges.push(decodeRange(p.id, e.value));
        else if (p.kind === 'gateways') gateways.push({ id: p.id, seen: Number((JSON.parse(e.value) as { seen?: unknown }).seen) || 0 });
        else loads.push(decodeLoad(p.id, e.value));
      } catch (err) {
        this.logger.warn({ key, err: (err as Error).message }, 'skipping a malformed control-plane value');
      }
    }
    leaves.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    ranges.sort((a, b) => compareKeys(a.start, b.start));
    const live = new Set(leaves.map((l) => l.id));
    this.views = { leaves, ranges, loads: loads.filter((l) => live.has(l.leafId)), gateways };
    return this.views;
  }

  private changed(): void {
    this.views = undefined;
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const cb of [...this.watchers]) cb();
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
