/**
 * Argument helpers shared by the commands: usage errors (exit 2), time and duration parsing in
 * the forms the Prometheus HTTP API accepts, and the default gateway address.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULT_ADDR = '127.0.0.1:7400';

export function defaultAddr(): string {
  return process.env['CANOPY_ADDR'] || DEFAULT_ADDR;
}

/** Options every client command takes. */
export const CLIENT_OPTIONS = {
  addr: { type: 'string' },
  tenant: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** `parseArgs` with errors turned into UsageErrors. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/**
 * A duration in ms: Prometheus duration syntax (`15s`, `1m30s`, `2h`, `100ms`) or a plain number
 * of seconds (`15`, `0.5`), as the HTTP API's `step` accepts.
 */
export function parseDurationArg(s: string, what = 'duration'): number {
  const str = s.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(str)) {
    const ms = Math.round(Number(str) * 1000);
    if (ms > 0) return ms;
  } else if (/^([0-9]+(ms|s|m|h|d|w|y))+$/.test(str)) {
    let ms = 0;
    for (const m of str.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
    if (ms > 0) return ms;
  }
  throw new UsageError(`invalid ${what} ${JSON.stringify(s)}: use a positive duration like 15s, 1m, 1h30m or seconds like 15`);
}

/** A time in ms: RFC3339 (`2026-01-01T00:00:00Z`), unix seconds (`1767225600`, `1767225600.5`) or `now`. */
export function parseTimeArg(s: string, what = 'time', nowMs = Date.now()): number {
  const str = s.trim();
  if (str === 'now') return nowMs;
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(str)) return Math.round(Number(str) * 1000);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(str)) {
    const ms = Date.parse(str);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`invalid ${what} ${JSON.stringify(s)}: use RFC3339 (2026-01-01T00:00:00Z) or unix seconds`);
}

/** host:port check for listen/connect addresses. */
export function checkAddr(s: string, what: string): string {
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(s)) throw new UsageError(`invalid ${what} ${JSON.stringify(s)}: expected host:port`);
  return s;
}
