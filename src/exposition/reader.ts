/**
 * Streaming reader: bytes of an exposition (Prometheus text or OpenMetrics) → batches of series
 * with columnar samples, ~`batchSamples` samples per batch, ready for a Write request.
 *
 * Within one batch, samples of one series keep the order of the input lines; the same series may
 * reappear in a later batch. Samples without a timestamp get `defaultTimestampMs`.
 */
import { ParseError, type Labels } from '../model/index.js';
import { LineParser, type ExpositionFormat } from './line-parser.js';

export interface ExpositionSeries {
  labels: Labels;
  /** Timestamps, ms. */
  t: Float64Array;
  v: Float64Array;
}

export interface ExpositionBatch {
  series: ExpositionSeries[];
  samples: number;
  /** Last input line number in this batch (1-based), for progress and messages. */
  lastLine: number;
}

export interface ReadOptions {
  /** 'auto' (default) sniffs the first 64 KiB (see `sniffFormat`). */
  format?: ExpositionFormat | 'auto';
  /** Timestamp for samples that carry none; default: the time reading started. */
  defaultTimestampMs?: number;
  /** Samples per batch (default 10,000). */
  batchSamples?: number;
}

/**
 * OpenMetrics when the head shows something only OpenMetrics has: a `# EOF` or `# UNIT` line, an
 * OpenMetrics-only metric type, or a fractional/exponent timestamp. Otherwise Prometheus text.
 */
export function sniffFormat(head: string): ExpositionFormat {
  if (/^# (EOF|UNIT )/m.test(head)) return 'openmetrics';
  if (/^# TYPE \S+ (gaugehistogram|stateset|info|unknown)\s*$/m.test(head)) return 'openmetrics';
  if (/^(?:[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^\n]*\})?|\{[^\n]*\}) [^ \t\n]+ -?[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?$/m.test(head)) return 'openmetrics';
  return 'prometheus';
}

class Accumulator {
  private readonly bySeries = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  samples = 0;

  add(key: string, labels: Labels, t: number, v: number): void {
    let s = this.bySeries.get(key);
    if (s === undefined) {
      s = { labels, t: [], v: [] };
      this.bySeries.set(key, s);
    }
    s.t.push(t);
    s.v.push(v);
    this.samples++;
  }

  take(lastLine: number): ExpositionBatch {
    const series: ExpositionSeries[] = [];
    for (const s of this.bySeries.values()) series.push({ labels: s.labels, t: Float64Array.from(s.t), v: Float64Array.from(s.v) });
    const batch = { series, samples: this.samples, lastLine };
    this.bySeries.clear();
    this.samples = 0;
    return batch;
  }
}

/** Reads an exposition from a byte/string stream and yields batches; throws ParseError at the first bad line. */
export async function* readExposition(input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, opts: ReadOptions = {}): AsyncGenerator<ExpositionBatch> {
  const batchSamples = opts.batchSamples ?? 10_000;
  const defaultT = opts.defaultTimestampMs ?? Date.now();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const acc = new Accumulator();
  let parser: LineParser | undefined;
  let pending = '';
  let head = '';
  let lineNo = 0;

  const feed = function* (text: string, final: boolean): Generator<ExpositionBatch> {
    pending += text;
    let from = 0;
    for (;;) {
      const nl = pending.indexOf('\n', from);
      if (nl < 0) break;
      let line = pending.slice(from, nl);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      from = nl + 1;
      lineNo++;
      if (parser!.parse(line, lineNo) === 'sample') {
        acc.add(parser!.seriesKey, parser!.labels, Number.isNaN(parser!.t) ? defaultT : parser!.t, parser!.v);
        if (acc.samples >= batchSamples) yield acc.take(lineNo);
      }
    }
    pending = pending.slice(from);
    if (final && pending.length > 0) {
      lineNo++;
      const line = pending.endsWith('\r') ? pending.slice(0, -1) : pending;
      pending = '';
      if (parser!.parse(line, lineNo) === 'sample') acc.add(parser!.seriesKey, parser!.labels, Number.isNaN(parser!.t) ? defaultT : parser!.t, parser!.v);
    }
  };

  for await (const chunk of input) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (parser === undefined) {
      head += text;
      if (head.length < 65_536) continue;
      parser = new LineParser(opts.format && opts.format !== 'auto' ? opts.format : sniffFormat(head));
      yield* feed(head, false);
      head = '';
      continue;
    }
    yield* feed(text, false);
  }
  const rest = head + decoder.decode();
  if (parser === undefined) parser = new LineParser(opts.format && opts.format !== 'auto' ? opts.format : sniffFormat(rest));
  yield* feed(rest, true);
  if (parser.format === 'openmetrics' && !parser.ended) throw new ParseError('OpenMetrics exposition does not end with "# EOF"', lineNo + 1, 1);
  if (acc.samples > 0) yield acc.take(lineNo);
}

/** Convenience: parse a whole string into one list of series (tests, small inputs). */
export async function parseExposition(text: string, opts: ReadOptions = {}): Promise<ExpositionSeries[]> {
  const out: ExpositionSeries[] = [];
  for await (const b of readExposition([text], { ...opts, batchSamples: Number.MAX_SAFE_INTEGER })) out.push(...b.series);
  return out;
}
