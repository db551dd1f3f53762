/**
 * Public face of src/promql: the typed AST, the parser (official Lezer grammar + Prometheus's
 * semantic checks), the canonical printer, durations, the function registry, and Go string/number
 * literal helpers.
 */
export * from './ast.js';
export { parse, parseSeriesSelector } from './parse.js';
export { formatExpr, formatDurationExpr, formatLabelName } from './print.js';
export { parseDuration, tryParseDuration, formatDuration, evalDuration, evalDurationSeconds, durationIsConstant, type DurationContext } from './durations.js';
export { FUNCTIONS, getFunction, AGGREGATORS_WITH_PARAM, EXPERIMENTAL_AGGREGATORS, type FunctionInfo } from './functions.js';
export { parseGoNumber, formatGoNumber } from './numbers.js';
export { unquoteGoString, quoteGoString, isValidUtf8String, decodeUtf8Escaping, BYTE_ESCAPE_BASE, StringSyntaxError } from './strings.js';
export { documentedType } from './check.js';
