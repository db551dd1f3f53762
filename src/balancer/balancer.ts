/**
 * The balancer loop: joins the leader election (one balancer acts at a time, in `canopy balancer`
 * or inside a gateway), and while leading, every `intervalMs` plans actions from the store's
 * state (policy.ts) and runs them: splits at once (metadata), moves in the background up to the
 * concurrency limit (mover.ts). Operator operations (move, split, drain) go through the same
 * object so they count against the same limits and never race the loop on one range.
 *
 * A leaf is dead once absent from the registered leaves for `deadAfterMs` while some range still
 * names it; its replicas are then re-replicated from the surviving replicas.
 */
import { pino, type Logger } from 'pino';
import type { Key } from '../model/index.js';
import type { AssignmentStore, LeaderCampaign } from '../shard/index.js';
import { moveReplica, MoveError, type MoveOutcome } from './mover.js';
import { DEFAULT_POLICY, leafScores, planActions, type Action, type BalancerPolicy } from './policy.js';
import { splitRange, type SplitOutcome } from './split.js';

export interface BalancerOptions extends BalancerPolicy {
  store: AssignmentStore;
  logger?: Logger;
  /** Planning period while leading, ms (default 5 s). */
  intervalMs?: number;
  /** Absence after which a leaf is dead, ms (default 10 s). */
  deadAfterMs?: number;
  /** See mover.ts (default 250 ms). */
  propagationMs?: number;
  /** See mover.ts (default 15 s). */
  barrierTimeoutMs?: number;
  chunkBytes?: number;
  /** Election candidate name (default balancer-<pid>). */
  candidate?: string;
  /**
   * After an action, the ranges it touched get no other for this long, ms (default 15 s): load
   * reports describing the range before the change (stale until the leaves report again) must
   * not trigger a second split or a move back.
   */
  cooldownMs?: number;
  /**
   * An initializing replica with no move of this balancer behind it (its mover crashed, or lost
   * leadership) is removed after this long, ms (default 10 min), so the range can be planned
   * again. It must exceed the longest move another process (an operator's `canopy move` through a
   * gateway) may be running: the mover has no heartbeat in the store.
   */
  staleInitializingMs?: number;
}

export interface ActionRecord {
  action: Action;
  startedAt: number;
  outcome?: MoveOutcome | SplitOutcome;
  error?: string;
}

export class Balancer {
  private readonly logger: Logger;
  private readonly missingSince = new Map<string, number>();
  private readonly busy = new Map<string, Promise<unknown>>();
  private readonly draining = new Set<string>();
  private readonly cooldown = new Map<string, number>();
  private readonly orphanSince = new Map<string, number>();
  private campaign: LeaderCampaign | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly abort = new AbortController();
  /** Actions started, newest last (bounded). */
  readonly history: ActionRecord[] = [];

  constructor(private readonly opts: BalancerOptions) {
    this.logger = opts.logger ?? pino({ name: 'canopy-balancer', level: process.env.LOG_LEVEL ?? 'info' });
  }

  get leading(): boolean {
    return this.campaign?.isLeader() ?? false;
  }

  /** Joins the election; plans every intervalMs while leading. */
  start(): void {
    if (this.campaign) return;
    this.campaign = this.opts.store.campaign(this.opts.candidate ?? `balancer-${process.pid}`);
    this.campaign.onChange((leading) => {
      this.logger.info({ leading }, leading ? 'balancer elected leader' : 'balancer lost leadership');
      if (leading) this.schedule(0);
      else if (this.timer) clearTimeout(this.timer);
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.campaign?.resign();
    this.campaign = undefined;
    await this.idle();
  }

  /** Resolves when no action is in flight. */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy.values()]);
  }

  /** One planning round: starts the planned actions (moves run in the background). */
  async tick(): Promise<Action[]> {
    const { store } = this.opts;
    const now = Date.now();
    const leaves = store.leaves();
    const live = new Set(leaves.map((l) => l.id));
    const dead = new Set<string>();
    const named = new Set(store.ranges().flatMap((r) => r.replicas.map((x) => x.leafId)));
    for (const id of named) {
      if (live.has(id)) {
        this.missingSince.delete(id);
        continue;
      }
      const since = this.missingSince.get(id) ?? now;
      this.missingSince.set(id, since);
      if (now - since >= (this.opts.deadAfterMs ?? 10_000)) dead.add(id);
    }
    for (const id of this.missingSince.keys()) if (!named.has(id)) this.missingSince.delete(id);
    await this.abandonOrphans(now);
    const moves = [...this.busy.keys()].length;
    const busy = new Set(this.busy.keys());
    for (const [id, until] of this.cooldown) {
      if (until > now) busy.add(id);
      else this.cooldown.delete(id);
    }
    // Re-replication is never held back by a cooldown: a dead replica is replaced at once.
    const urgent = planActions({ ranges: store.ranges(), leaves, loads: store.loads(), dead, draining: new Set(), busy: new Set(this.busy.keys()), movesInFlight: moves }, { ...this.opts, rebalance: false, splitSeries: Infinity, splitSamples: Infinity, splitWriteRate: Infinity });
    const rest = planActions(
      { ranges: store.ranges(), leaves, loads: store.loads(), dead: new Set(), draining: this.draining, busy: new Set([...busy, ...urgent.map((a) => a.rangeId)]), movesInFlight: moves + urgent.length },
      this.opts,
    );
    const actions = [...urgent, ...rest];
    for (const a of actions) {
      if (a.kind === 'split') await this.track(a, () => splitRange(store, a.rangeId, a.key)).catch(() => undefined);
      else void this.track(a, () => this.runMove(a.rangeId, a.from, a.to)).catch(() => undefined);
    }
    return actions;
  }

  /** Operator move (canopy move): waits for completion. */
  move(rangeId: string, from: string | undefined, to: string): Promise<MoveOutcome> {
    return this.track({ kind: 'move', rangeId, from: from ?? '', to, reason: 'rebalance' }, () => this.runMove(rangeId, from, to));
  }

  /** Operator split (canopy split): key omitted → from load reports. */
  split(rangeId: string, key?: Key): Promise<SplitOutcome> {
    return this.track({ kind: 'split', rangeId, key: key ?? new Uint8Array() }, () => splitRange(this.opts.store, rangeId, key));
  }

  /**
   * Operator drain (canopy drain): moves every replica off the leaf, sequentially within the
   * move limit, and keeps it out of rebalancing while this balancer runs.
   */
  async drain(leafId: string): Promise<MoveOutcome[]> {
    this.draining.add(leafId);
    const out: MoveOutcome[] = [];
    const policy = { ...DEFAULT_POLICY, ...this.opts };
    for (let round = 0; round < 1000; round++) {
      const { store } = this.opts;
      const ranges = store.ranges().filter((r) => r.replicas.some((x) => x.leafId === leafId));
      if (ranges.length === 0) return out;
      const leaves = store.leaves();
      const scores = leafScores({ ranges: store.ranges(), leaves, loads: store.loads(), dead: new Set(), draining: this.draining, busy: new Set(), movesInFlight: 0 }, policy);
      const r = ranges.find((x) => !this.busy.has(x.id));
      if (!r) {
        await Promise.race([...this.busy.values()].map((p) => p.catch(() => undefined)));
        continue;
      }
      const to = leaves
        .map((l) => l.id)
        .filter((id) => !this.draining.has(id) && !r.replicas.some((x) => x.leafId === id))
        .sort((a, b) => scores.get(a)! - scores.get(b)! || (a < b ? -1 : 1))[0];
      if (!to) throw new MoveError(`cannot drain ${leafId}: no other leaf can take range ${r.id}`);
      out.push(await this.move(r.id, leafId, to));
    }
    return out;
  }

  undrain(leafId: string): void {
    this.draining.delete(leafId);
  }

  /** Rolls back initializing replicas that no move of ours is filling (see staleInitializingMs). */
  private async abandonOrphans(now: number): Promise<void> {
    const seen = new Set<string>();
    for (const r of this.opts.store.ranges()) {
      for (const x of r.replicas) {
        if (x.state !== 'initializing' || this.busy.has(r.id)) continue;
        const key = `${r.id}/${x.leafId}`;
        seen.add(key);
        const since = this.orphanSince.get(key) ?? now;
        this.orphanSince.set(key, since);
        if (now - since < (this.opts.staleInitializingMs ?? 600_000)) continue;
        this.logger.warn({ range: r.id, leaf: x.leafId }, 'removing an initializing replica no move is filling');
        await this.opts.store
          .updateRanges([r.id], (cur) => {
            const c = cur.get(r.id);
            if (!c || !c.replicas.some((y) => y.leafId === x.leafId && y.state === 'initializing')) return undefined;
            return { put: [{ ...c, replicas: c.replicas.filter((y) => y.leafId !== x.leafId), epoch: c.epoch + 1 }] };
          })
          .catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'could not remove an orphaned initializing replica'));
        this.orphanSince.delete(key);
      }
    }
    for (const k of this.orphanSince.keys()) if (!seen.has(k)) this.orphanSince.delete(k);
  }

  private runMove(rangeId: string, from: string | undefined, to: string): Promise<MoveOutcome> {
    return moveReplica(
      {
        store: this.opts.store,
        logger: this.logger,
        signal: this.abort.signal,
        ...(this.opts.propagationMs !== undefined ? { propagationMs: this.opts.propagationMs } : {}),
        ...(this.opts.barrierTimeoutMs !== undefined ? { barrierTimeoutMs: this.opts.barrierTimeoutMs } : {}),
        ...(this.opts.chunkBytes !== undefined ? { chunkBytes: this.opts.chunkBytes } : {}),
      },
      { rangeId, ...(from ? { from } : {}), to },
    );
  }

  private track<T extends MoveOutcome | SplitOutcome>(action: Action, run: () => Promise<T>): Promise<T> {
    if (this.busy.has(action.rangeId)) return Promise.reject(new MoveError(`range ${action.rangeId} already has an action in flight`));
    const rec: ActionRecord = { action, startedAt: Date.now() };
    this.history.push(rec);
    if (this.history.length > 100) this.history.shift();
    this.logger.info({ action: { ...action, key: undefined } }, 'balancer action');
    const p = run().then(
      (o) => {
        rec.outcome = o;
        const until = Date.now() + (this.opts.cooldownMs ?? 15_000);
        this.cooldown.set(action.rangeId, until);
        if ('right' in o) this.cooldown.set(o.right.id, until);
        return o;
      },
      (e: unknown) => {
        rec.error = (e as Error).message;
        this.logger.warn({ action: { ...action, key: undefined }, err: rec.error }, 'balancer action failed');
        throw e;
      },
    );
    const settled = p.finally(() => this.busy.delete(action.rangeId));
    this.busy.set(action.rangeId, settled.catch(() => undefined));
    return settled;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.leading || this.ticking) return this.schedule(this.opts.intervalMs ?? 5_000);
      this.ticking = true;
      this.tick()
        .catch((e: unknown) => this.logger.warn({ err: (e as Error).message }, 'balancer round failed'))
        .finally(() => {
          this.ticking = false;
          if (this.leading) this.schedule(this.opts.intervalMs ?? 5_000);
        });
    }, ms);
    this.timer.unref();
  }
}
