/**
 * The storage contract: how the PromQL engine reads series, whoever holds them (a leaf's store,
 * an in-memory test store, or series the gateway fetched from leaves).
 *
 * Shaped after Prometheus's storage/interface.go: a `Querier` selects a `SeriesSet` by matchers.
 * `SelectHints` are best-effort: a querier may return more than the hints ask for (the engine
 * clips to the window itself), and ignoring every hint never changes an answer.
 *
 * Reading is async (the gateway's querier crosses the network); evaluation is not: the engine
 * first fetches every selector's series, then evaluates synchronously over typed arrays.
 */
import type { Labels } from './labels.js';
import type { Matcher } from './matcher.js';

/** One series' raw samples in the requested window: columns sorted by strictly increasing t. */
export interface Series {
  readonly labels: Labels;
  /** Timestamps, integer ms since epoch. */
  readonly t: Float64Array;
  /** Values; may hold the stale marker (see samples.ts `isStaleNaN`). */
  readonly v: Float64Array;
}

/** A set of series, sorted by labels (compareLabels), each label set unique. */
export type SeriesSet = readonly Series[];

export interface SelectHints {
  /** Inclusive start of the samples needed, ms (already widened by range, lookback, offset). */
  readonly start: number;
  /** Inclusive end of the samples needed, ms. */
  readonly end: number;
  /** Evaluation step, ms (0 for instant queries). */
  readonly step?: number;
  /** The function wrapping the selector, if any (e.g. 'rate'); advisory. */
  readonly func?: string;
  /** Range of a matrix selector, ms; advisory. */
  readonly range?: number;
  /** Grouping of a surrounding aggregation; advisory. */
  readonly grouping?: readonly string[];
  readonly by?: boolean;
  /** Only labels are needed (e.g. /api/v1/series): samples may be empty. */
  readonly labelsOnly?: boolean;
}

export interface LabelHints {
  readonly start?: number;
  readonly end?: number;
  readonly matchers?: readonly Matcher[];
  readonly limit?: number;
}

export interface Querier {
  select(matchers: readonly Matcher[], hints: SelectHints): Promise<SeriesSet>;
  labelNames(hints: LabelHints): Promise<string[]>;
  labelValues(name: string, hints: LabelHints): Promise<string[]>;
}

/** A querier that holds nothing. */
export const EMPTY_QUERIER: Querier = {
  select: async () => [],
  labelNames: async () => [],
  labelValues: async () => [],
};
