/** Prometheus HTTP API parameter parsing (times, durations, forms), as web/api/v1 parses them. */
import { describe, expect, it } from 'vitest';
import { FormParams, parseDuration, parsePromDuration, parseTime } from '../src/http/index.js';

describe('parseTime', () => {
  it.each([
    ['1767225600', 1767225600000],
    ['1767225600.5', 1767225600500],
    ['1767225600.1234', 1767225600123],
    ['1767225600.9996', 1767225601000],
    ['-1.5', -1500],
    ['1e3', 1_000_000],
    ['.5', 500],
    ['2026-01-01T00:00:00Z', 1767225600000],
    ['2026-01-01T00:00:00.123456789Z', 1767225600123],
    ['2026-01-01T01:00:00+01:00', 1767225600000],
    ['-292273086-05-16T16:47:06Z', -8.64e15],
    ['292277025-08-18T07:12:54.999999999Z', 8.64e15],
  ])('%s → %d ms', (s, ms) => {
    expect(parseTime(s)).toBe(ms);
  });

  it.each(['', 'now', 'NaN', 'Inf', '2026-01-01', '2026-01-01 00:00:00Z', '1h'])('refuses %j (Go would read Inf/NaN as a nonsense time)', (s) => {
    expect(() => parseTime(s)).toThrow(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
  });
});

describe('parseDuration', () => {
  it.each([
    ['15', 15_000],
    ['0.5', 500],
    ['1e1', 10_000],
    ['15s', 15_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['100ms', 100],
    ['0', 0],
  ])('%s → %d ms', (s, ms) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it('refuses what Prometheus refuses', () => {
    expect(() => parseDuration('')).toThrow('cannot parse "" to a valid duration');
    expect(() => parseDuration('1m1h')).toThrow('cannot parse "1m1h" to a valid duration');
    expect(() => parseDuration('1e30')).toThrow('It overflows int64');
    expect(parsePromDuration('5x')).toBeUndefined();
  });
});

describe('FormParams', () => {
  it('puts body values before URL values, like Go r.Form', () => {
    const p = new FormParams(new URLSearchParams('query=body&match[]=a'), new URLSearchParams('query=url&match[]=b&time=1'));
    expect(p.get('query')).toBe('body');
    expect(p.getAll('match[]')).toEqual(['a', 'b']);
    expect(p.get('time')).toBe('1');
    expect(p.get('absent')).toBe('');
  });
});
