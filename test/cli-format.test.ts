import { describe, expect, it } from 'vitest';
import { parseDurationArg, parseTimeArg, UsageError } from '../src/cli/args.js';
import { formatPromValue, toPromData } from '../src/cli/format.js';

describe('cli helpers', () => {
  it('parses durations like Prometheus (and plain seconds)', () => {
    expect(parseDurationArg('15s')).toBe(15_000);
    expect(parseDurationArg('1m')).toBe(60_000);
    expect(parseDurationArg('1h30m')).toBe(5_400_000);
    expect(parseDurationArg('100ms')).toBe(100);
    expect(parseDurationArg('15')).toBe(15_000);
    expect(parseDurationArg('0.5')).toBe(500);
    for (const bad of ['', '0s', '-1s', '1x', 's', '1.5m']) expect(() => parseDurationArg(bad)).toThrow(UsageError);
  });

  it('parses RFC3339 and unix-seconds times', () => {
    expect(parseTimeArg('2026-01-01T00:00:00Z')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimeArg('2026-01-01T01:00:00+01:00')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimeArg('1767225600')).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimeArg('1767225600.5')).toBe(Date.UTC(2026, 0, 1) + 500);
    expect(parseTimeArg('now', 'time', 1234)).toBe(1234);
    for (const bad of ['yesterday', '2026-01-01', '2026-13-01T00:00:00Z']) expect(() => parseTimeArg(bad)).toThrow(UsageError);
  });

  it('formats values like Prometheus JSON (FormatFloat f, -1)', () => {
    expect(formatPromValue(1)).toBe('1');
    expect(formatPromValue(0.1)).toBe('0.1');
    expect(formatPromValue(NaN)).toBe('NaN');
    expect(formatPromValue(Infinity)).toBe('+Inf');
    expect(formatPromValue(-Infinity)).toBe('-Inf');
    expect(formatPromValue(1e21)).toBe('1000000000000000000000');
    expect(formatPromValue(1.5e-7)).toBe('0.00000015');
    expect(formatPromValue(-2.5e22)).toBe('-25000000000000000000000');
    expect(formatPromValue(1.2345e-5)).toBe('0.000012345');
  });

  it('maps query responses to the Prometheus data object plus health', () => {
    const health = { expectedChildren: 3, completedChildren: 3, completeness: 1, partial: false, issues: [], prunedByRange: 0, prunedByHint: 0, prunedByTime: 0 };
    const base = { vector: [], matrix: [], scalarTimestampMs: 0, scalarValue: 0, stringValue: '', health, warnings: [], infos: [], stats: null };
    expect(toPromData({ ...base, resultType: 'vector', vector: [{ labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], timestampMs: 1767225600000, value: 1 }] })).toEqual({
      resultType: 'vector',
      result: [{ metric: { __name__: 'up', job: 'a' }, value: [1767225600, '1'] }],
      health,
    });
    expect(toPromData({ ...base, resultType: 'matrix', matrix: [{ labels: [{ name: 'x', value: 'y' }], timestampsMs: [1000, 16500], values: [NaN, 2] }] }).result).toEqual([
      { metric: { x: 'y' }, values: [[1, 'NaN'], [16.5, '2']] },
    ]);
    expect(toPromData({ ...base, resultType: 'scalar', scalarTimestampMs: 2000, scalarValue: -Infinity }).result).toEqual([2, '-Inf']);
    expect(toPromData({ ...base, resultType: 'string', scalarTimestampMs: 2000, stringValue: 'hi' }).result).toEqual([2, 'hi']);
  });
});
