/** The parsed form of a promqltest script (FORMAT.md §6.4 step 1). */
import type { Labels } from '../../src/model/index.js';
import type { SeriesValues } from './dsl-series.js';

export interface LoadSeries {
  labels: Labels;
  values: SeriesValues;
  line: number;
  /** `@st` start-timestamp offsets per position (ms), NaN where none; experimental, unused by the engine. */
  startOffsets?: Float64Array;
}

export interface ClearCmd {
  kind: 'clear';
  line: number;
}

export interface LoadCmd {
  kind: 'load';
  line: number;
  stepMs: number;
  withNhcb: boolean;
  /** After in-block de-duplication (the later line with the same label set wins). */
  series: LoadSeries[];
}

export type ExpectType = 'fail' | 'warn' | 'info' | 'no_warn' | 'no_info' | 'ordered';

export interface ExpectLine {
  type: ExpectType;
  /** `msg:` (exact) or `regex:` (RE2, unanchored). */
  match?: { kind: 'msg' | 'regex'; text: string };
  line: number;
}

export interface ExpectedRow {
  labels: Labels;
  values: SeriesValues;
  /** 1-based position among rows, for `expect ordered`. */
  pos: number;
  line: number;
}

export interface EvalCmd {
  kind: 'eval';
  line: number;
  mode: 'instant' | 'range';
  /** Instant: evaluation time; range: start, end, step (ms). */
  atMs: number;
  startMs: number;
  endMs: number;
  stepMs: number;
  expr: string;
  /** Deprecated header suffix (`eval_fail` …). */
  legacy?: 'fail' | 'warn' | 'info' | 'ordered';
  legacyFailMessage?: string;
  legacyFailRegexp?: string;
  expects: ExpectLine[];
  rangeVector?: { startMs: number; endMs: number; stepMs: number };
  expectedString?: string;
  scalar?: number;
  /** Keyed by labelsKey; a later row with the same labels replaces an earlier one. */
  rows: Map<string, ExpectedRow>;
}

export type Command = ClearCmd | LoadCmd | EvalCmd;

export interface ParsedScript {
  name: string;
  commands: Command[];
}

/** Derived flags of an eval block. */
export function expectsFailure(e: EvalCmd): boolean {
  return e.legacy === 'fail' || e.expects.some((x) => x.type === 'fail');
}

export function isOrdered(e: EvalCmd): boolean {
  return e.legacy === 'ordered' || e.expects.some((x) => x.type === 'ordered');
}
