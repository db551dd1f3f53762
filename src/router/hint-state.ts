/**
 * The gateway's field-hint index (src/hint) and one hint-stream follower per leaf of the
 * assignment: `Leaf.Hints` over its own gRPC channel, resumed at the index's position, restarted
 * when the leaf's address changes, stopped (and the leaf forgotten) when it leaves the table.
 *
 * A leaf whose stream is lost is unsynced (a candidate for every query) — except while the leaf
 * is unreachable: when (re)opening its stream fails with UNAVAILABLE, its last hints stand in
 * again (`HintIndex.markFrozen`: a dead process admits no writes, and a restarted one has a new
 * epoch whose snapshot replaces them; a write this gateway routed to it meanwhile pins it through
 * `expectAtLeast`). The moment the leaf answers again (response headers) it is unsynced until
 * its first update applies. That is what lets a down leaf that cannot hold the answer be pruned
 * instead of making the answer partial. Residual risk, accepted and documented: a leaf this
 * gateway cannot reach while other gateways can (a one-sided partition) may admit writes through
 * those gateways that this one does not see until the partition heals.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { candidateLeaves, timeCandidates, followLeafHints, fromHintsMessage, HintIndex, pruneRanges, type CandidateSet, type HintUpdate, type ResumePoint } from '../hint/index.js';
import type { Matcher } from '../model/index.js';
import { canopyProto, CHANNEL_OPTIONS } from '../rpc/index.js';
import type { HintsUpdate__Output } from '../rpc/gen/canopy/v1/HintsUpdate.js';
import type { Topology } from './topology.js';

interface Follower {
  address: string;
  abort: AbortController;
  client: grpc.Client;
}

export interface GatewayHintsOptions {
  /** Max distinct hints held (default: HintIndex's). */
  maxHints?: number;
  /** Pause before reopening a lost stream, ms (default 300). */
  retryMs?: number;
  /** How often the followed leaf set is re-read from the table, ms (default 1000). */
  syncMs?: number;
  /** false disables hint pruning (every leaf stays a candidate). */
  enabled?: boolean;
}

export class GatewayHints {
  readonly index: HintIndex;
  readonly enabled: boolean;
  private readonly followers = new Map<string, Follower>();
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly topology: Topology,
    private readonly logger: Logger,
    private readonly opts: GatewayHintsOptions = {},
  ) {
    this.index = new HintIndex(opts.maxHints !== undefined ? { maxHints: opts.maxHints } : {});
    this.enabled = opts.enabled !== false;
    if (!this.enabled) return;
    this.sync();
    this.timer = setInterval(() => this.sync(), opts.syncMs ?? 1000);
    this.timer.unref();
  }

  /** Candidate leaves of a selector (every leaf when disabled). */
  candidates(tenant: string, matchers: readonly Matcher[]): CandidateSet | undefined {
    return this.enabled ? candidateLeaves(this.index, tenant, matchers) : undefined;
  }

  /** Leaves that may hold samples of the tenant in [startMs, endMs] (undefined when disabled). */
  timeCandidates(tenant: string, startMs: number, endMs: number): CandidateSet | undefined {
    return this.enabled ? timeCandidates(this.index, tenant, startMs, endMs) : undefined;
  }

  prune<R extends { replicas: readonly { leafId: string }[] }>(ranges: readonly R[], c: CandidateSet): { kept: R[]; pruned: R[] } {
    return pruneRanges(ranges, c);
  }

  /** Starts/stops followers to match the current table. */
  sync(): void {
    if (this.closed) return;
    const leaves = this.topology.table.leaves();
    const live = new Set<string>();
    for (const l of leaves) {
      live.add(l.id);
      const f = this.followers.get(l.id);
      if (f && f.address === l.address) continue;
      if (f) this.stopFollower(l.id, f, false);
      this.startFollower(l.id, l.address);
    }
    for (const [id, f] of this.followers) if (!live.has(id)) this.stopFollower(id, f, true);
  }

  private startFollower(leafId: string, address: string): void {
    const Ctor = canopyProto().Leaf as unknown as grpc.ServiceClientConstructor;
    const client = new Ctor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const abort = new AbortController();
    this.followers.set(leafId, { address, abort, client });
    let unreachable = false;
    const open = (from: ResumePoint | undefined, signal: AbortSignal): AsyncIterable<HintUpdate> =>
      this.open(client, from, signal, (down) => {
        unreachable = down;
        if (!down) this.index.markUnsynced(leafId); // it answers: the frozen hints no longer stand
      });
    void followLeafHints(this.index, leafId, open, abort.signal, {
      retryMs: this.opts.retryMs ?? 300,
      keepWhile: () => unreachable,
      onError: (e) => this.logger.debug({ leaf: leafId, err: e instanceof Error ? e.message : String(e) }, 'hint stream lost'),
    });
  }

  private async *open(client: grpc.Client, from: ResumePoint | undefined, signal: AbortSignal, setDown: (down: boolean) => void): AsyncGenerator<HintUpdate> {
    const call = (client as unknown as { Hints(req: object): grpc.ClientReadableStream<HintsUpdate__Output> }).Hints({ epoch: from?.epoch ?? '', afterSeq: from?.seq ?? 0 });
    const cancel = (): void => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    call.once('metadata', () => setDown(false));
    try {
      for await (const m of call as AsyncIterable<HintsUpdate__Output>) {
        setDown(false);
        yield fromHintsMessage(m);
      }
    } catch (e) {
      setDown((e as { code?: number }).code === grpc.status.UNAVAILABLE);
      throw e;
    } finally {
      signal.removeEventListener('abort', cancel);
      call.cancel();
    }
  }

  private stopFollower(leafId: string, f: Follower, forget: boolean): void {
    f.abort.abort();
    f.client.close();
    this.followers.delete(leafId);
    if (forget) this.index.removeLeaf(leafId);
    else this.index.markUnsynced(leafId);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const [id, f] of [...this.followers]) this.stopFollower(id, f, false);
  }
}

const byTopology = new WeakMap<Topology, GatewayHints>();

export function attachHints(topology: Topology, h: GatewayHints): GatewayHints {
  byTopology.set(topology, h);
  return h;
}

/** The topology's hint state, if the gateway runs one (tests that build a bare Topology do not). */
export function hintsOf(topology: Topology): GatewayHints | undefined {
  return byTopology.get(topology);
}
