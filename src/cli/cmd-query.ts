/**
 * `canopy query EXPR`, `canopy query-range EXPR --start S --end E --step D` and
 * `canopy explain EXPR`: client commands against a gateway's Query service.
 */
import { CLIENT_OPTIONS, defaultAddr, parse, parseDurationArg, parseTimeArg, UsageError } from './args.js';
import { GatewayClient, type QueryResponse } from './client.js';
import { formatQueryText, toPromData } from './format.js';
import type { Io } from './io.js';

export const QUERY_USAGE = `usage: canopy query EXPR [--time T] [--json] [--addr HOST:PORT] [--tenant ID] [--timeout D]
  T: RFC3339 (2026-01-01T00:00:00Z) or unix seconds; default now`;
export const QUERY_RANGE_USAGE = `usage: canopy query-range EXPR --start S --end E --step D [--json] [--addr HOST:PORT] [--tenant ID] [--timeout D]
  S, E: RFC3339 or unix seconds; D: duration like 15s, 1m, 1h or seconds`;
export const EXPLAIN_USAGE = `usage: canopy explain EXPR [--time T | --start S --end E --step D] [--analyze] [--no-pushdown] [--json] [--addr HOST:PORT] [--tenant ID]
  --analyze: also run the query: actual series, samples, bytes and ms per fragment, per leaf and per stage
  --no-pushdown: plan (and run) without pushing fragments to the leaves (raw series to the gateway)`;

function oneExpr(positionals: string[], usage: string): string {
  if (positionals.length !== 1 || positionals[0]!.trim() === '') throw new UsageError(`expected exactly one PromQL expression\n${usage}`);
  return positionals[0]!;
}

function timeoutOf(v: string | undefined): number {
  return v === undefined ? 0 : parseDurationArg(v, 'timeout');
}

function printResult(io: Io, res: QueryResponse, json: boolean): void {
  if (json) io.out(JSON.stringify(toPromData(res)));
  else io.out(formatQueryText(res));
  // Engine annotations already read "PromQL warning: …" / "PromQL info: …".
  for (const w of res.warnings) io.err(w.startsWith('PromQL') ? w : `warning: ${w}`);
  for (const i of res.infos) io.err(i.startsWith('PromQL') ? i : `info: ${i}`);
}

export async function queryCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { ...CLIENT_OPTIONS, time: { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' } });
  if (values.help) return io.out(QUERY_USAGE), 0;
  const query = oneExpr(positionals, QUERY_USAGE);
  const timeMs = values.time === undefined ? Date.now() : parseTimeArg(values.time, '--time');
  const timeoutMs = timeoutOf(values.timeout);
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.instant({ query, timeMs, hasTime: true, options: { tenant: values.tenant ?? '', timeoutMs } }, (timeoutMs || 120_000) + 5_000);
    printResult(io, res, values.json === true);
    return 0;
  } finally {
    client.close();
  }
}

export async function queryRangeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CLIENT_OPTIONS,
    start: { type: 'string' },
    end: { type: 'string' },
    step: { type: 'string' },
    json: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) return io.out(QUERY_RANGE_USAGE), 0;
  const query = oneExpr(positionals, QUERY_RANGE_USAGE);
  if (values.start === undefined || values.end === undefined || values.step === undefined) throw new UsageError(`--start, --end and --step are required\n${QUERY_RANGE_USAGE}`);
  const startMs = parseTimeArg(values.start, '--start');
  const endMs = parseTimeArg(values.end, '--end');
  const stepMs = parseDurationArg(values.step, '--step');
  if (endMs < startMs) throw new UsageError('--end must not be before --start');
  if ((endMs - startMs) / stepMs > 11_000) throw new UsageError('exceeded maximum resolution of 11,000 points per timeseries: try a larger --step');
  const timeoutMs = timeoutOf(values.timeout);
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.range({ query, startMs, endMs, stepMs, options: { tenant: values.tenant ?? '', timeoutMs } }, (timeoutMs || 120_000) + 5_000);
    printResult(io, res, values.json === true);
    return 0;
  } finally {
    client.close();
  }
}

export async function explainCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CLIENT_OPTIONS,
    time: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    step: { type: 'string' },
    analyze: { type: 'boolean' },
    'no-pushdown': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) return io.out(EXPLAIN_USAGE), 0;
  const query = oneExpr(positionals, EXPLAIN_USAGE);
  const isRange = values.start !== undefined || values.end !== undefined || values.step !== undefined;
  if (isRange && (values.start === undefined || values.end === undefined || values.step === undefined)) {
    throw new UsageError(`a range explain needs --start, --end and --step\n${EXPLAIN_USAGE}`);
  }
  const client = new GatewayClient(values.addr ?? defaultAddr());
  try {
    const res = await client.explain({
      query,
      timeMs: isRange ? 0 : values.time === undefined ? Date.now() : parseTimeArg(values.time, '--time'),
      hasTime: !isRange,
      startMs: isRange ? parseTimeArg(values.start!, '--start') : 0,
      endMs: isRange ? parseTimeArg(values.end!, '--end') : 0,
      stepMs: isRange ? parseDurationArg(values.step!, '--step') : 0,
      analyze: values.analyze === true,
      options: { tenant: values.tenant ?? '', disablePushdown: values['no-pushdown'] === true },
    });
    io.out(values.json ? res.json : res.text.replace(/\n$/, ''));
    return 0;
  } finally {
    client.close();
  }
}
