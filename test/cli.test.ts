/**
 * End-to-end tests of the `canopy` command as real child processes: `canopy dev --demo` (gateway
 * + 3 leaves, demo data written through the gateway's Write gRPC), then client commands against
 * it. Every child is killed by PID in afterAll.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanopyProcesses, type RunResult } from './helpers/canopy-cli.js';

const procs = new CanopyProcesses();
const canopy = procs.run.bind(procs);

let dev: ChildProcess | undefined;
let devOutput: () => { stdout: string; stderr: string } = () => ({ stdout: '', stderr: '' });
let addr = '';
let tmp = '';

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'canopy-cli-'));
  const started = await procs.startDev(['--demo', '--grpc-addr', '127.0.0.1:0']);
  dev = started.child;
  addr = started.addr;
  devOutput = started.output;
}, 60_000);

afterAll(async () => {
  procs.killAll();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('canopy dev --demo and client commands', () => {
  it('answers `canopy query up --json` with the 1,000 up series, health complete', async () => {
    let data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[]; health: { partial: boolean; completeness: number; expectedChildren: number; completedChildren: number } } | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await canopy(['query', 'up', '--json', '--addr', addr]);
      if (r.code === 0) {
        data = JSON.parse(r.stdout);
        if (data!.result.length === 1000) break;
      }
      if (Date.now() > deadline) throw new Error(`no 1,000 up series in time: ${r.stdout.slice(0, 300)} ${r.stderr}\ndev stderr: ${devOutput().stderr}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
    const d = data!;
    expect(d.resultType).toBe('vector');
    expect(d.health.partial).toBe(false);
    expect(d.health.completeness).toBe(1);
    expect(d.health.completedChildren).toBe(d.health.expectedChildren);
    const sample = d.result[0]!;
    expect(sample.metric['__name__']).toBe('up');
    expect(typeof sample.value[0]).toBe('number');
    expect(['0', '1']).toContain(sample.value[1]);
    expect(new Set(d.result.map((s) => s.metric['job'])).size).toBe(20);
  }, 90_000);

  it('answers reproducible queries at the demo end time', async () => {
    // History loads progressively: wait for http_requests_total (loaded after up).
    const deadline = Date.now() + 60_000;
    let r: RunResult;
    for (;;) {
      r = await canopy(['query', 'count(http_requests_total)', '--time', '2026-01-01T00:00:00Z', '--json', '--addr', addr]);
      if (r.code === 0 && JSON.parse(r.stdout).result[0]?.value[1] === '3000') break;
      if (Date.now() > deadline) throw new Error(`http_requests_total not loaded: ${r.stdout} ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
    r = await canopy(['query', 'up{job="checkout"}', '--time', '2026-01-01T00:00:00Z', '--addr', addr]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/up\{instance="10\.0\.6\.1:8080", job="checkout"\}/);
    expect(r.stdout).toMatch(/50 series · health: complete/);
  }, 90_000);

  it('explains up{job="checkout"} as one leaf', async () => {
    const r = await canopy(['explain', 'up{job="checkout"}', '--addr', addr]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\b1 leaf\b/);
    expect(r.stdout).toMatch(/Fanout: targeted/);
  });

  it('lists leaves and ranges', async () => {
    const leaves = await canopy(['leaves', '--addr', addr]);
    expect(leaves.code, leaves.stderr).toBe(0);
    for (const id of ['leaf-1', 'leaf-2', 'leaf-3']) expect(leaves.stdout).toContain(id);
    const ranges = await canopy(['ranges', '--json', '--addr', addr]);
    expect(ranges.code, ranges.stderr).toBe(0);
    expect(JSON.parse(ranges.stdout)).toHaveLength(3);
  });

  it('writes a text exposition file and reads it back; stdin works too', async () => {
    const file = path.join(tmp, 'metrics.prom');
    writeFileSync(
      file,
      [
        '# HELP cli_test_temperature_celsius A test gauge.',
        '# TYPE cli_test_temperature_celsius gauge',
        'cli_test_temperature_celsius{job="cli-test",instance="a:1",room="hall \\"A\\""} 21.5 1767225000000',
        'cli_test_temperature_celsius{job="cli-test",instance="a:1",room="hall \\"A\\""} 22.25 1767225015000',
        'cli_test_temperature_celsius{job="cli-test",instance="b:1"} NaN 1767225015000',
        '',
      ].join('\n'),
    );
    const w = await canopy(['write', file, '--addr', addr]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/written: 3 samples/);
    expect(w.stdout).toMatch(/rejected: 0 samples/);

    const q = await canopy(['query', 'cli_test_temperature_celsius', '--time', '1767225030', '--json', '--addr', addr]);
    expect(q.code, q.stderr).toBe(0);
    const data = JSON.parse(q.stdout);
    const byInstance = Object.fromEntries(data.result.map((s: { metric: Record<string, string>; value: [number, string] }) => [s.metric['instance'], s]));
    expect(byInstance['a:1'].metric.room).toBe('hall "A"');
    expect(byInstance['a:1'].value).toEqual([1767225030, '22.25']);
    expect(byInstance['b:1'].value).toEqual([1767225030, 'NaN']);

    // Again: duplicates are rejected and reported by reason; stdin input.
    const again = await canopy(['write', '-', '--addr', addr], { stdin: 'cli_test_temperature_celsius{job="cli-test",instance="a:1",room="hall \\"A\\""} 99 1767225000000\n' });
    expect(again.stdout).toMatch(/written: 0 samples/);
    expect(again.stdout).toMatch(/rejected: 1 samples/);
    expect(again.stdout).toMatch(/duplicate_sample|out_of_order|too_old/);
  });

  it('query-range returns a matrix in Prometheus JSON', async () => {
    const r = await canopy(['query-range', 'cli_test_temperature_celsius{instance="a:1"}', '--start', '1767225000', '--end', '2026-01-01T00:00:30Z', '--step', '15s', '--json', '--addr', addr]);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.resultType).toBe('matrix');
    expect(data.result).toHaveLength(1);
    expect(data.result[0].values.slice(0, 2)).toEqual([[1767225000, '21.5'], [1767225015, '22.25']]);
  });

  it('reports a bad exposition line with its position (exit 1)', async () => {
    const r = await canopy(['write', '-', '--addr', addr], { stdin: 'ok_metric 1 1767225000000\nbad_metric{a="b" 1\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2, column 18/);
  });

  it('reports query errors from the gateway (exit 1)', async () => {
    const r = await canopy(['query', 'sum(', '--addr', addr]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/canopy query: error: .*parse error/i);
  });
});

describe('usage errors', () => {
  it('exit 2 with a message', async () => {
    const cases: [string[], RegExp][] = [
      [[], /usage: canopy COMMAND/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['query'], /expected exactly one PromQL expression/],
      [['query', 'up', '--time', 'yesterday'], /invalid --time "yesterday"/],
      [['query-range', 'up', '--start', '0'], /--start, --end and --step are required/],
      [['query-range', 'up', '--start', '0', '--end', '60', '--step', 'fast'], /invalid --step "fast"/],
      [['query', 'up', '--bogus'], /Unknown option '--bogus'/],
      [['write'], /expected one FILE/],
      [['leaf'], /--id is required/],
      [['gateway'], /at least one --leaf/],
      [['dev', '--leaves', 'zero'], /invalid --leaves/],
    ];
    const results: RunResult[] = [];
    for (let i = 0; i < cases.length; i += 3) results.push(...(await Promise.all(cases.slice(i, i + 3).map(([args]) => canopy(args)))));
    results.forEach((r, i) => {
      expect(r.code, `canopy ${cases[i]![0].join(' ')}`).toBe(2);
      expect(r.stderr).toMatch(cases[i]![1]);
    });
  }, 60_000);

  it('exit 1 when no gateway answers', async () => {
    const r = await canopy(['query', 'up', '--addr', '127.0.0.1:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/canopy query: error: cannot reach a gateway at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\)/);
  });

  it('stops canopy dev cleanly on SIGTERM', async () => {
    expect(dev!.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => dev!.on('exit', (code) => resolve(code)));
    dev!.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(code).toBe(0);
  }, 20_000);
});
