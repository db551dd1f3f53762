import { describe, expect, it } from 'vitest';
import { parseExposition, readExposition, sniffFormat, type ExpositionSeries } from '../src/exposition/index.js';
import { ParseError, formatLabels } from '../src/model/index.js';

function byName(series: ExpositionSeries[]): Record<string, { t: number[]; v: number[] }> {
  const out: Record<string, { t: number[]; v: number[] }> = {};
  for (const s of series) out[formatLabels(s.labels)] = { t: [...s.t], v: [...s.v] };
  return out;
}

async function parseError(text: string, format?: 'prometheus' | 'openmetrics'): Promise<ParseError> {
  try {
    await parseExposition(text, { format });
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a parse error');
}

describe('Prometheus text format', () => {
  it('parses samples, HELP/TYPE, timestamps, escapes and special values', async () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      'http_requests_total{method="post",code="200"} 1028 1395066378000',
      '',
      '# A normal comment',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9 1000',
      'metric_without_timestamp_and_labels 12.47',
      'nan_metric NaN 2000',
      'pinf{le="+Inf"} +Inf 2000',
      'ninf -Inf 2000',
      'empty_label{a="",b="x"} 1 2000',
      '{"my.dotted.metric", "label.with.dot"="v"} 5 3000',
    ].join('\n');
    const got = byName(await parseExposition(text, { defaultTimestampMs: 42 }));
    expect(got['http_requests_total{code="200", method="post"}']).toEqual({ t: [1395066363000, 1395066378000], v: [1027, 1028] });
    expect(got['http_requests_total{code="400", method="post"}']).toEqual({ t: [1395066363000], v: [3] });
    expect(got['msdos_file_access_time_seconds{error="Cannot find file:\\n\\"FILE.TXT\\"", path="C:\\\\DIR\\\\FILE.TXT"}']).toEqual({ t: [1000], v: [1.458255915e9] });
    expect(got['metric_without_timestamp_and_labels{}']).toEqual({ t: [42], v: [12.47] });
    expect(Number.isNaN(got['nan_metric{}']!.v[0])).toBe(true);
    expect(got['pinf{le="+Inf"}']!.v).toEqual([Infinity]);
    expect(got['ninf{}']!.v).toEqual([-Infinity]);
    expect(got['empty_label{b="x"}']).toEqual({ t: [2000], v: [1] });
    expect(got['my.dotted.metric{"label.with.dot"="v"}']).toEqual({ t: [3000], v: [5] });
  });

  it('reports bad lines with line and column', async () => {
    let e = await parseError('up 1\nup{job="a" 1\n');
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/line 2, column 12/);
    e = await parseError('up{job="a"} one 1000\n');
    expect(e.message).toMatch(/line 1, column 13: invalid value "one"/);
    e = await parseError('up{job="a"} 1 1.5\n', 'prometheus');
    expect(e.message).toMatch(/column 15: invalid timestamp/);
    e = await parseError('up{job="a\\x"} 1\n');
    expect(e.message).toMatch(/invalid escape sequence/);
    e = await parseError('up{job="a",job="b"} 1\n');
    expect(e.message).toMatch(/duplicate label name "job"/);
    e = await parseError('up{job="a"}\n');
    expect(e.message).toMatch(/missing value/);
    e = await parseError('# TYPE up flux\n');
    expect(e.message).toMatch(/unknown metric type "flux"/);
    e = await parseError('9up 1\n');
    expect(e.message).toMatch(/line 1, column 1: expected a metric name/);
    e = await parseError('up 1 1000 extra\n');
    expect(e.message).toMatch(/column 11: unexpected "e"/);
  });

  it('streams in batches across chunk boundaries', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2500; i++) lines.push(`m{i="${i % 10}"} ${i} ${1000 * (1 + Math.floor(i / 10))}`);
    const text = lines.join('\n') + '\n';
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 777) chunks.push(text.slice(i, i + 777));
    const batches = [];
    for await (const b of readExposition(chunks, { batchSamples: 1000 })) batches.push(b);
    expect(batches.map((b) => b.samples)).toEqual([1000, 1000, 500]);
    expect(batches[2]!.lastLine).toBe(2500);
    const total = batches.flatMap((b) => b.series).filter((s) => s.labels.some((l) => l.value === '3'));
    expect(total.reduce((n, s) => n + s.t.length, 0)).toBe(250);
  });
});

describe('OpenMetrics', () => {
  it('parses seconds timestamps, EOF, exemplars and _created', async () => {
    const text = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      '# HELP acme_http_router_request_seconds Latency though all of ACME\'s global routers.',
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32 1520879607.789',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0 1520879607.789',
      'acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0 1520879607.789',
      '# TYPE foo counter',
      'foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67',
      '# EOF',
    ].join('\n') + '\n';
    expect(sniffFormat(text)).toBe('openmetrics');
    const got = byName(await parseExposition(text));
    expect(got['acme_http_router_request_seconds_sum{method="GET", path="/api/v1"}']).toEqual({ t: [1520879607789], v: [9036.32] });
    expect(got['acme_http_router_request_seconds_created{method="GET", path="/api/v1"}']!.v).toEqual([1605281325]);
    expect(got['foo_total{}']).toEqual({ t: [1520879607789], v: [17] });
  });

  it('requires # EOF and nothing after it', async () => {
    let e = await parseError('# TYPE a gauge\na 1 1.5\n', 'openmetrics');
    expect(e.message).toMatch(/does not end with "# EOF"/);
    e = await parseError('a 1 1.5\n# EOF\na 2 2.5\n', 'openmetrics');
    expect(e.line).toBe(3);
    e = await parseError('# random comment\n# EOF\n', 'openmetrics');
    expect(e.message).toMatch(/line 1, column 1/);
  });

  it('sniffs Prometheus text by default', () => {
    expect(sniffFormat('# TYPE up gauge\nup{job="a b"} 1 1700000000000\n')).toBe('prometheus');
    expect(sniffFormat('up{job="a"} 1.5 1700000000.5\n')).toBe('openmetrics');
  });
});
