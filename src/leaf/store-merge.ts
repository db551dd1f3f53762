/**
 * The two store operations a range move needs beyond the append path, as the transfer and
 * registration code use them:
 *  - merge: during a move the new replica receives live writes at once, so its series already
 *    hold the newest samples when the range's history arrives. History is *inserted* anywhere in
 *    a series; timestamps already present keep their stored value (dedupe by timestamp: a live
 *    write and the transferred copy of the same sample are one sample). The store's `insert`
 *    (LeafStore → storage engine) does the work.
 *  - drop: a replica that leaves its range deletes its data (`LeafStore.dropSpan`).
 * Reading a span for transfer goes through the public querier (`spanSeries`).
 */
import { type KeySpan, type Labels, type Matcher, type Series } from '../model/index.js';
import type { LeafStore } from './store.js';

export interface MergeOutcome {
  /** Samples inserted. */
  merged: number;
  /** Samples whose timestamp was already present (kept as stored). */
  present: number;
}

/** A matcher every series satisfies (a missing label reads as empty, which `.*` matches). */
export const MATCH_ALL: readonly Matcher[] = [{ type: '=~', name: '__name__', value: '.*' }];

/** Merges sorted samples into the series with these labels (sorted, valid), creating it when new. */
export function mergeSamples(store: LeafStore, tenant: string, labels: Labels, t: ArrayLike<number>, v: ArrayLike<number>): MergeOutcome {
  const o = store.insert(tenant, labels, t, v);
  if (o.tooOld > 0) throw new Error(`transfer: ${o.tooOld} samples are older than this leaf's persisted blocks`);
  return { merged: o.merged, present: o.present };
}

/** Deletes every series whose key lies in `span`, in every tenant; returns the samples dropped. */
export function dropSpan(store: LeafStore, span: KeySpan): number {
  return store.dropSpan(span);
}

/** The series of a tenant in `span` with samples in [start, end], sorted by labels. */
export async function spanSeries(store: LeafStore, tenant: string, span: KeySpan, start = -Infinity, end = Infinity, labelsOnly = false): Promise<Series[]> {
  return [...(await store.querier(tenant, [span]).select(MATCH_ALL, { start, end, labelsOnly }))];
}
