/**
 * The registry of PromQL functions (Prometheus 3, `promql/parser/functions.go`): argument types,
 * variadic count, return type and whether the function is experimental. Used by the semantic
 * checks here and by the engine to dispatch calls.
 *
 * `variadic`: 0 = exactly `argTypes.length` args; n > 0 = the last arg type may be given 0…n
 * times (so between `argTypes.length - 1` and `argTypes.length - 1 + n` args); -1 = the last arg
 * type may repeat without limit.
 */
import type { ValueType } from './ast.js';

export interface FunctionInfo {
  readonly argTypes: readonly ValueType[];
  readonly variadic: number;
  readonly returnType: ValueType;
  readonly experimental: boolean;
}

export const FUNCTIONS: Readonly<Record<string, FunctionInfo>> = {
  abs: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  absent: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  absent_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  acos: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  acosh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  asin: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  asinh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  atan: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  atanh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  avg_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  ceil: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  changes: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  clamp: { argTypes: ['vector', 'scalar', 'scalar'], variadic: 0, returnType: 'vector', experimental: false },
  clamp_max: { argTypes: ['vector', 'scalar'], variadic: 0, returnType: 'vector', experimental: false },
  clamp_min: { argTypes: ['vector', 'scalar'], variadic: 0, returnType: 'vector', experimental: false },
  cos: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  cosh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  count_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  days_in_month: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  day_of_month: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  day_of_week: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  day_of_year: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  deg: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  end: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: true },
  delta: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  deriv: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  exp: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  first_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  floor: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_avg: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_count: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_sum: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_stddev: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_stdvar: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_fraction: { argTypes: ['scalar', 'scalar', 'vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_quantile: { argTypes: ['scalar', 'vector'], variadic: 0, returnType: 'vector', experimental: false },
  histogram_quantiles: { argTypes: ['vector', 'string', 'scalar', 'scalar'], variadic: 9, returnType: 'vector', experimental: true },
  double_exponential_smoothing: { argTypes: ['matrix', 'scalar', 'scalar'], variadic: 0, returnType: 'vector', experimental: true },
  hour: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  idelta: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  increase: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  info: { argTypes: ['vector', 'vector'], variadic: 1, returnType: 'vector', experimental: true },
  irate: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  label_replace: { argTypes: ['vector', 'string', 'string', 'string', 'string'], variadic: 0, returnType: 'vector', experimental: false },
  label_join: { argTypes: ['vector', 'string', 'string', 'string'], variadic: -1, returnType: 'vector', experimental: false },
  max_of: { argTypes: ['scalar', 'scalar'], variadic: 0, returnType: 'scalar', experimental: true },
  last_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  min_of: { argTypes: ['scalar', 'scalar'], variadic: 0, returnType: 'scalar', experimental: true },
  ln: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  log10: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  log2: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  mad_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: true },
  max_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  min_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  ts_of_first_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: true },
  ts_of_max_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: true },
  ts_of_min_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: true },
  ts_of_last_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: true },
  minute: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  month: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },
  pi: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: false },
  predict_linear: { argTypes: ['matrix', 'scalar'], variadic: 0, returnType: 'vector', experimental: false },
  present_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  quantile_over_time: { argTypes: ['scalar', 'matrix'], variadic: 0, returnType: 'vector', experimental: false },
  rad: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  range: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: true },
  rate: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  resets: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  round: { argTypes: ['vector', 'scalar'], variadic: 1, returnType: 'vector', experimental: false },
  scalar: { argTypes: ['vector'], variadic: 0, returnType: 'scalar', experimental: false },
  sgn: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  sin: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  sinh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  sort: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  sort_desc: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  sort_by_label: { argTypes: ['vector', 'string'], variadic: -1, returnType: 'vector', experimental: true },
  sort_by_label_desc: { argTypes: ['vector', 'string'], variadic: -1, returnType: 'vector', experimental: true },
  sqrt: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  start: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: true },
  start_timestamp: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: true },
  step: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: true },
  stddev_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  stdvar_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  sum_over_time: { argTypes: ['matrix'], variadic: 0, returnType: 'vector', experimental: false },
  tan: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  tanh: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  time: { argTypes: [], variadic: 0, returnType: 'scalar', experimental: false },
  timestamp: { argTypes: ['vector'], variadic: 0, returnType: 'vector', experimental: false },
  vector: { argTypes: ['scalar'], variadic: 0, returnType: 'vector', experimental: false },
  year: { argTypes: ['vector'], variadic: 1, returnType: 'vector', experimental: false },};

export function getFunction(name: string): FunctionInfo | undefined {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
}

/** Aggregation operators; those with a parameter take it as first argument. */
export const AGGREGATORS_WITH_PARAM: ReadonlySet<string> = new Set(['topk', 'bottomk', 'count_values', 'quantile', 'limitk', 'limit_ratio']);
export const EXPERIMENTAL_AGGREGATORS: ReadonlySet<string> = new Set(['limitk', 'limit_ratio']);
