/**
 * Line parser for the Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text.
 *
 * One `LineParser` is fed one line at a time (without its newline). A sample line sets the
 * parser's current fields (`labels`, `seriesKey`, `t`, `v`) and returns 'sample': no object is
 * allocated per sample; label sets are cached by the raw text of the series (`seriesKey`), so a
 * series that appears on many lines is parsed into a `Labels` once.
 *
 * Differences between the formats that matter here:
 *  - timestamps: integer milliseconds in Prometheus text, (fractional) seconds in OpenMetrics;
 *  - OpenMetrics ends with `# EOF` (nothing may follow) and allows exemplars (` # {…} v [t]`),
 *    which are ignored; `_created` series are kept as plain series.
 * Errors are `ParseError`s with the 1-based line and column of the offending character.
 */
import { ParseError, sortLabels, type Label, type Labels } from '../model/index.js';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export type LineKind = 'sample' | 'comment' | 'blank' | 'eof';

const METRIC_TYPES_PROM = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const METRIC_TYPES_OM = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown']);

/** Maximum number of distinct series texts kept in the label cache before it is reset. */
const CACHE_LIMIT = 100_000;

export class LineParser {
  readonly format: ExpositionFormat;
  /** Labels of the last sample line (sorted, `__name__` included). */
  labels: Labels = [];
  /** Raw text identifying the series of the last sample line (stable across lines). */
  seriesKey = '';
  /** Timestamp of the last sample in ms, or NaN when the line had none. */
  t = NaN;
  /** Value of the last sample. */
  v = NaN;
  /** Metric types seen in `# TYPE` lines, by metric family name. */
  readonly types = new Map<string, string>();
  /** True after an OpenMetrics `# EOF`. */
  ended = false;

  private readonly cache = new Map<string, Labels>();
  private line = '';
  private lineNo = 0;
  private pos = 0;

  constructor(format: ExpositionFormat) {
    this.format = format;
  }

  parse(line: string, lineNo: number): LineKind {
    this.line = line;
    this.lineNo = lineNo;
    this.pos = 0;
    if (this.ended) {
      if (line.trim() === '') return 'blank';
      this.fail('unexpected content after "# EOF"');
    }
    if (line.length === 0 || /^[ \t]*$/.test(line)) {
      if (this.format === 'openmetrics' && line.length === 0) this.fail('empty lines are not allowed in OpenMetrics');
      return 'blank';
    }
    if (line.charCodeAt(0) === 35 /* # */) return this.comment();
    if (this.format === 'prometheus') this.skipSpaces();
    this.sample();
    return 'sample';
  }

  private comment(): LineKind {
    const line = this.line;
    if (this.format === 'openmetrics' && line === '# EOF') {
      this.ended = true;
      return 'eof';
    }
    const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+/.exec(line);
    if (!m) {
      if (this.format === 'openmetrics') this.fail('comment lines must be "# HELP", "# TYPE", "# UNIT" or "# EOF"');
      return 'comment';
    }
    const keyword = m[1]!;
    if (keyword === 'UNIT' && this.format === 'prometheus') return 'comment';
    this.pos = m[0].length;
    const name = this.metricNameOrQuoted();
    if (keyword === 'TYPE') {
      this.expectSpace();
      const type = line.slice(this.pos).trim();
      const known = this.format === 'openmetrics' ? METRIC_TYPES_OM : METRIC_TYPES_PROM;
      if (!known.has(type)) this.fail(`unknown metric type ${JSON.stringify(type)}`);
      if (this.types.has(name)) this.fail(`second TYPE line for metric family ${JSON.stringify(name)}`);
      this.types.set(name, type);
    } else if (keyword === 'HELP') {
      // Docstring: only `\\` and `\n` escapes (plus `\"` in OpenMetrics); checked, not kept.
      const rest = line.slice(this.pos);
      for (let i = 0; i < rest.length; i++) {
        if (rest[i] === '\\') {
          const n = rest[i + 1];
          if (n !== '\\' && n !== 'n' && !(n === '"' && this.format === 'openmetrics')) {
            this.pos += i;
            this.fail(`invalid escape sequence in HELP: \\${n ?? ''}`);
          }
          i++;
        }
      }
    }
    return 'comment';
  }

  private sample(): void {
    const start = this.pos;
    const line = this.line;
    let name = '';
    if (line[this.pos] !== '{') {
      name = this.metricName();
      const afterName = this.pos;
      if (this.format === 'prometheus') this.skipSpaces();
      if (line[this.pos] !== '{') this.pos = afterName;
    }
    if (line[this.pos] === '{' && !this.skipLabels()) {
      this.pos = start;
      this.parseSeries(name); // throws at the precise position
    }
    const seriesEnd = this.pos;
    const key = line.slice(start, seriesEnd);
    let labels = this.cache.get(key);
    if (labels === undefined) {
      this.pos = start;
      labels = this.parseSeries(name);
      this.pos = seriesEnd;
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, labels);
    }
    this.labels = labels;
    this.seriesKey = key;

    this.expectSpace();
    this.v = this.number(this.token(), 'value');
    this.t = NaN;
    if (this.pos < line.length) {
      this.skipSpaces();
      if (this.pos < line.length && line[this.pos] !== '#') {
        const tsCol = this.pos;
        const tok = this.token();
        this.t = this.timestamp(tok, tsCol);
        this.skipSpaces();
      }
      if (this.pos < line.length) {
        if (this.format === 'openmetrics' && line[this.pos] === '#') {
          // Exemplar: ` # {labels} value [timestamp]` — validated loosely and ignored.
          if (line[this.pos + 1] !== ' ' || line[this.pos + 2] !== '{') this.fail('malformed exemplar');
          return;
        }
        this.fail(`unexpected ${JSON.stringify(line[this.pos])} after the sample`);
      }
    }
  }

  /** Full parse of `name{labels}` starting at this.pos into a sorted label set. */
  private parseSeries(name: string): Labels {
    const line = this.line;
    const out: Label[] = [];
    if (line[this.pos] !== '{') {
      this.metricName();
      const afterName = this.pos;
      if (this.format === 'prometheus') this.skipSpaces();
      if (line[this.pos] !== '{') this.pos = afterName;
    }
    if (line[this.pos] === '{') {
      this.pos++;
      for (;;) {
        this.skipSpacesIfProm();
        if (line[this.pos] === '}') {
          this.pos++;
          break;
        }
        const nameCol = this.pos;
        const quoted = line[this.pos] === '"';
        const lname = quoted ? this.quoted() : this.labelName();
        this.skipSpacesIfProm();
        const c = line[this.pos];
        if (quoted && (c === ',' || c === '}')) {
          // Prometheus 3: a bare quoted string inside the braces is the metric name.
          if (name !== '') this.failAt(nameCol, 'metric name given twice');
          name = lname;
        } else {
          if (c !== '=') this.fail(`expected "=" after label name ${JSON.stringify(lname)}`);
          this.pos++;
          this.skipSpacesIfProm();
          if (line[this.pos] !== '"') this.fail('expected a quoted label value');
          const value = this.quoted();
          if (lname === '__name__') {
            if (name !== '') this.failAt(nameCol, 'metric name given twice');
            name = value;
          } else {
            for (const l of out) if (l.name === lname) this.failAt(nameCol, `duplicate label name ${JSON.stringify(lname)}`);
            if (value !== '') out.push({ name: lname, value });
          }
        }
        this.skipSpacesIfProm();
        if (line[this.pos] === ',') {
          this.pos++;
          continue;
        }
        if (line[this.pos] === '}') {
          this.pos++;
          break;
        }
        this.fail(this.pos >= line.length ? 'unterminated label set' : 'expected "," or "}" in label set');
      }
    }
    if (name === '') this.fail('sample has no metric name');
    out.push({ name: '__name__', value: name });
    return sortLabels(out);
  }

  /** Skips over `{…}` honouring quotes, without building labels (cache lookups). */
  private skipLabels(): boolean {
    const line = this.line;
    let i = this.pos + 1;
    while (i < line.length) {
      const c = line.charCodeAt(i);
      if (c === 34 /* " */) {
        i++;
        while (i < line.length && line.charCodeAt(i) !== 34) i += line.charCodeAt(i) === 92 ? 2 : 1;
        i++;
      } else if (c === 125 /* } */) {
        this.pos = i + 1;
        return true;
      } else i++;
    }
    return false;
  }

  private metricName(): string {
    const m = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.line);
    if (!r) this.fail('expected a metric name');
    this.pos += r[0].length;
    return r[0];
  }

  private metricNameOrQuoted(): string {
    return this.line[this.pos] === '"' ? this.quoted() : this.metricName();
  }

  private labelName(): string {
    const m = /[a-zA-Z_][a-zA-Z0-9_]*/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.line);
    if (!r) this.fail('expected a label name');
    this.pos += r[0].length;
    return r[0];
  }

  /** A double-quoted string with `\\`, `\"` and `\n` escapes; this.pos is at the opening quote. */
  private quoted(): string {
    const line = this.line;
    let i = this.pos + 1;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= line.length) {
        this.pos = line.length;
        this.fail('unterminated quoted string');
      }
      const c = line.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        out += line.slice(from, i);
        const n = line[i + 1];
        if (n === '\\') out += '\\';
        else if (n === '"') out += '"';
        else if (n === 'n') out += '\n';
        else {
          this.pos = i;
          this.fail(`invalid escape sequence \\${n ?? ''}`);
        }
        i += 2;
        from = i;
      } else i++;
    }
    out += line.slice(from, i);
    this.pos = i + 1;
    return out;
  }

  private token(): string {
    const line = this.line;
    const start = this.pos;
    let i = start;
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') i++;
    this.pos = i;
    return line.slice(start, i);
  }

  private number(tok: string, what: string): number {
    const col = this.pos - tok.length;
    const v = parseFloatToken(tok);
    if (v === undefined) this.failAt(col, tok === '' ? `missing ${what}` : `invalid ${what} ${JSON.stringify(tok)}`);
    return v;
  }

  private timestamp(tok: string, col: number): number {
    if (this.format === 'prometheus') {
      if (!/^-?[0-9]+$/.test(tok)) this.failAt(col, `invalid timestamp ${JSON.stringify(tok)} (integer milliseconds expected)`);
      return Number(tok);
    }
    const s = parseFloatToken(tok);
    if (s === undefined || !Number.isFinite(s)) this.failAt(col, `invalid timestamp ${JSON.stringify(tok)} (seconds expected)`);
    return Math.round(s * 1000);
  }

  private expectSpace(): void {
    const c = this.line[this.pos];
    if (c !== ' ' && c !== '\t') this.fail(this.pos >= this.line.length ? 'missing value' : `expected a space, found ${JSON.stringify(c)}`);
    this.skipSpaces();
  }

  private skipSpaces(): void {
    const line = this.line;
    while (this.pos < line.length && (line[this.pos] === ' ' || line[this.pos] === '\t')) this.pos++;
  }

  private skipSpacesIfProm(): void {
    if (this.format === 'prometheus') this.skipSpaces();
  }

  private fail(msg: string): never {
    this.failAt(this.pos, msg);
  }

  private failAt(pos: number, msg: string): never {
    throw new ParseError(msg, this.lineNo, pos + 1);
  }
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/** Go strconv.ParseFloat-like: decimals, exponents, Inf/+Inf/-Inf/NaN (case-insensitive). */
export function parseFloatToken(tok: string): number | undefined {
  if (DECIMAL.test(tok)) return Number(tok);
  const l = tok.toLowerCase();
  if (l === 'nan') return NaN;
  if (l === '+inf' || l === 'inf' || l === '+infinity' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return undefined;
}
