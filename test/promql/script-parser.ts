/**
 * Parser of promqltest scripts (FORMAT.md §1, §3, §5): text → commands. PromQL expressions are
 * kept as text here; the runner parses them with the engine's parser.
 */
import { labelsKey } from '../../src/model/index.js';
import { DslError, parseDslDuration, parseGoNumber, unquoteGoString } from './dsl-lexical.js';
import { parseSeriesLine, splitValueItems } from './dsl-series.js';
import type { Command, EvalCmd, ExpectLine, ExpectType, LoadCmd, LoadSeries, ParsedScript } from './script-types.js';

export class ScriptSyntaxError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ScriptSyntaxError';
    this.file = file;
    this.line = line;
  }
}

/** FORMAT.md §1: trimmed lines; comment lines become empty. */
export function scriptLines(text: string): string[] {
  return text.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
}

const EVAL_INSTANT = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const EVAL_RANGE = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const LOAD = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const EXPECT = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const RANGE_VECTOR = /^expect range vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/;

export function parseScript(name: string, text: string): ParsedScript {
  const lines = scriptLines(text);
  const commands: Command[] = [];
  const fail = (i: number, msg: string): never => {
    throw new ScriptSyntaxError(name, i + 1, msg);
  };
  const wrap = <T>(i: number, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof DslError) fail(i, e.message);
      throw e;
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const word = l.split(/[ \t]+/, 1)[0]!.toLowerCase();
    if (word === 'clear') {
      commands.push({ kind: 'clear', line: i + 1 });
    } else if (word.startsWith('load')) {
      const r = wrap(i, () => parseLoad(lines, i));
      commands.push(r.cmd);
      i = r.last;
    } else if (word.startsWith('eval')) {
      const r = wrap(i, () => parseEval(lines, i));
      commands.push(r.cmd);
      i = r.last;
    } else {
      fail(i, `invalid command "${word}"`);
    }
  }
  return { name, commands };
}

function parseLoad(lines: string[], i: number): { cmd: LoadCmd; last: number } {
  const head = LOAD.exec(lines[i]!);
  if (!head) throw new DslError(`invalid load command (must be "load <step:duration>")`);
  const stepMs = parseDslDuration(head[2]!);
  const bySeries = new Map<string, LoadSeries>();
  let pendingSt: { key: string; offsets: Float64Array; line: number } | null = null;
  let j = i + 1;
  for (; j < lines.length && lines[j] !== ''; j++) {
    const l = lines[j]!;
    const first = l.split(/[ \t]+/, 1)[0]!;
    if (first.endsWith('@st')) {
      if (pendingSt) throw new DslError(`line ${pendingSt.line}: @st line not followed by its series line`);
      const { labels } = parseSeriesLine(first.slice(0, -3));
      pendingSt = { key: labelsKey(labels), offsets: expandStartOffsets(splitValueItems(l.slice(first.length).trim())), line: j + 1 };
      continue;
    }
    const s = parseSeriesLine(l);
    const key = labelsKey(s.labels);
    const entry: LoadSeries = { labels: s.labels, values: s.values, line: j + 1 };
    if (pendingSt) {
      if (pendingSt.key !== key || pendingSt.offsets.length !== s.values.kinds.length)
        throw new DslError(`line ${pendingSt.line}: @st line does not match the next series line`);
      entry.startOffsets = pendingSt.offsets;
      pendingSt = null;
    }
    bySeries.delete(key); // keep insertion order of the winning line
    bySeries.set(key, entry);
  }
  if (pendingSt) throw new DslError(`line ${pendingSt.line}: @st line not followed by its series line`);
  return { cmd: { kind: 'load', line: i + 1, stepMs, withNhcb: head[1] !== undefined, series: [...bySeries.values()] }, last: j - 1 };
}

const ST_DUR = String.raw`[+-]?(?:\d+(?:ms|s|m|h|d|w|y)|0)`;
const ST_ITEM = new RegExp(`^(${ST_DUR})(?:([+-])(\\d+(?:ms|s|m|h|d|w|y)))?(?:x(\\d+))?$`);

function stDuration(s: string): number {
  const neg = s.startsWith('-');
  const ms = parseDslDuration(s.replace(/^[+-]/, ''));
  return neg ? -ms : ms;
}

/** `@st` items (FORMAT.md §3.1) → offset per position, NaN for none. */
export function expandStartOffsets(items: readonly string[]): Float64Array {
  const out: number[] = [];
  for (const it of items) {
    if (it === '_') {
      out.push(NaN);
      continue;
    }
    let m = /^_x(\d+)$/.exec(it);
    if (m) {
      for (let k = 0; k < Number(m[1]); k++) out.push(NaN);
      continue;
    }
    m = ST_ITEM.exec(it);
    if (!m) throw new DslError(`invalid start timestamp item "${it}"`);
    let acc = stDuration(m[1]!);
    const d = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * parseDslDuration(m[3]!);
    if (m[2] !== undefined && m[4] === undefined) throw new DslError(`invalid start timestamp item "${it}": missing xN`);
    const n = m[4] === undefined ? 0 : Number(m[4]);
    out.push(acc);
    for (let k = 1; k <= n; k++) out.push((acc += d));
  }
  return Float64Array.from(out);
}

function parseEval(lines: string[], i: number): { cmd: EvalCmd; last: number } {
  const head = lines[i]!;
  const inst = EVAL_INSTANT.exec(head);
  const rng = inst ? null : EVAL_RANGE.exec(head);
  if (!inst && !rng)
    throw new DslError(
      `invalid evaluation command. Must be either 'eval[_fail|_warn|_info|_ordered] instant [at <offset:duration>] <query>' or 'eval[_fail|_warn|_info] range from <from> to <to> step <step> <query>'`,
    );
  const cmd: EvalCmd = {
    kind: 'eval', line: i + 1, mode: inst ? 'instant' : 'range',
    atMs: 0, startMs: 0, endMs: 0, stepMs: 0, expr: '', expects: [], rows: new Map(),
  };
  if (inst) {
    if (inst[1]) cmd.legacy = inst[1] as EvalCmd['legacy'];
    if (inst[2] === undefined || inst[2] === '') throw new DslError('missing evaluation time in instant eval');
    cmd.atMs = cmd.startMs = cmd.endMs = parseDslDuration(inst[2]);
    cmd.expr = inst[3]!;
  } else {
    if (rng![1]) cmd.legacy = rng![1] as EvalCmd['legacy'];
    cmd.startMs = parseDslDuration(rng![2]!);
    cmd.endMs = parseDslDuration(rng![3]!);
    cmd.stepMs = parseDslDuration(rng![4]!);
    cmd.expr = rng![5]!;
    if (cmd.endMs < cmd.startMs) throw new DslError('invalid test definition, end timestamp is before start timestamp');
  }
  let rowNo = 0;
  let j = i + 1;
  for (; j < lines.length && lines[j] !== ''; j++) {
    const l = lines[j]!;
    if (cmd.legacy === 'fail' && (l.startsWith('expected_fail_message') || l.startsWith('expected_fail_regexp'))) {
      if (l.startsWith('expected_fail_message')) cmd.legacyFailMessage = l.slice('expected_fail_message'.length).trim();
      else cmd.legacyFailRegexp = l.slice('expected_fail_regexp'.length).trim();
      return { cmd, last: j }; // such a line ends the block immediately
    }
    if (l.startsWith('expect range vector')) {
      const m = RANGE_VECTOR.exec(l);
      if (!m) throw new DslError(`invalid range vector definition "${l}"`);
      cmd.rangeVector = { startMs: parseDslDuration(m[1]!), endMs: parseDslDuration(m[2]!), stepMs: parseDslDuration(m[3]!) };
      continue;
    }
    if (l.startsWith('expect string ')) {
      cmd.expectedString = unquoteGoString(l.slice('expect string '.length));
      continue;
    }
    if (l.split(' ', 1)[0] === 'expect') {
      const m = EXPECT.exec(l);
      if (!m) throw new DslError(`invalid expect statement "${l}"`);
      const x: ExpectLine = { type: m[1] as ExpectType, line: j + 1 };
      if (m[2] !== undefined) x.match = { kind: m[2] as 'msg' | 'regex', text: m[3]!.trim() };
      if (x.match && (x.type === 'ordered' || x.type === 'no_warn' || x.type === 'no_info'))
        throw new DslError(`expect ${x.type} takes no message matcher`);
      cmd.expects.push(x);
      continue;
    }
    const n = parseGoNumber(l);
    if (n !== undefined) {
      cmd.scalar = n;
      j++;
      break; // a scalar ends the block
    }
    const s = parseSeriesLine(l);
    if (cmd.mode === 'instant' && !cmd.rangeVector && s.values.kinds.length > 1)
      throw new DslError(`expecting multiple values in instant evaluation not allowed`);
    rowNo++;
    cmd.rows.set(labelsKey(s.labels), { labels: s.labels, values: s.values, pos: rowNo, line: j + 1 });
  }
  const has = (t: ExpectType): boolean => cmd.expects.some((x) => x.type === t);
  if (has('info') && has('no_info')) throw new DslError('invalid expect lines, info and no_info cannot be used together');
  if (has('warn') && has('no_warn')) throw new DslError('invalid expect lines, warn and no_warn cannot be used together');
  if (cmd.expects.filter((x) => x.type === 'fail').length > 1) throw new DslError('invalid expect lines, multiple expect fail lines are not allowed');
  if (cmd.rangeVector) cmd.atMs = cmd.rangeVector.endMs;
  return { cmd, last: j - 1 };
}

/** Counts eval commands textually (used when a file does not parse). */
export function countEvalLines(text: string): { line: number; expr: string }[] {
  const out: { line: number; expr: string }[] = [];
  scriptLines(text).forEach((l, i) => {
    if (/^eval/i.test(l)) out.push({ line: i + 1, expr: l });
  });
  return out;
}
