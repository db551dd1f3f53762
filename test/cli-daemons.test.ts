/**
 * `canopy leaf` and `canopy gateway` as separate processes (the README's multi-process setup):
 * two leaves on free ports, a gateway over them from a YAML config, a write and a query through
 * the CLI, and a clean stop on SIGTERM. Every child is killed by PID in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren } from './helpers/canopy-cli.js';

const BIN = path.resolve('bin/canopy.js');
const children: ChildProcess[] = [];
const tmp = mkdtempSync(path.join(tmpdir(), 'canopy-daemons-'));

/** Starts a daemon and resolves with its printed address once it says it is listening. */
function daemon(args: string[]): Promise<{ child: ChildProcess; addr: string; out: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`canopy ${args.join(' ')} did not start: ${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, addr: m[1]!, out: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`canopy ${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`timeout: ${args.join(' ')}`))), 30_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

afterAll(() => {
  killChildren(children);
  rmSync(tmp, { recursive: true, force: true });
});

describe('canopy leaf + canopy gateway as separate processes', () => {
  it('serves writes and queries, and stops on SIGTERM', async () => {
    const [l1, l2] = await Promise.all([daemon(['leaf', '--id', 'leaf-a', '--listen', '127.0.0.1:0']), daemon(['leaf', '--id', 'leaf-b'])]);
    const config = path.join(tmp, 'gateway.yaml');
    writeFileSync(config, `grpcAddr: 127.0.0.1:0\nleaves:\n  - { id: leaf-a, address: "${l1.addr}" }\n`);
    const gw = await daemon(['gateway', '--config', config, '--leaf', `leaf-b=${l2.addr}`]);
    expect(gw.out()).toMatch(/over 2 leaves, replication 2/); // default: 2 replicas with ≥ 2 leaves

    const file = path.join(tmp, 'm.om');
    writeFileSync(file, '# TYPE room_temperature_celsius gauge\nroom_temperature_celsius{job="building",instance="sensor-1"} 21.5 1767225600.0\nroom_temperature_celsius{job="zoo",instance="sensor-2"} 7 1767225600.0\n# EOF\n');
    const w = await run(['write', file, '--addr', gw.addr]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/written: 2 samples/);

    const q = await run(['query', 'room_temperature_celsius', '--time', '2026-01-01T00:00:00Z', '--json', '--addr', gw.addr]);
    expect(q.code, q.stderr).toBe(0);
    const data = JSON.parse(q.stdout);
    expect(data.result.map((s: { value: [number, string] }) => s.value[1]).sort()).toEqual(['21.5', '7']);
    expect(data.health).toMatchObject({ expectedChildren: 2, completedChildren: 2, partial: false });

    const leaves = await run(['leaves', '--json', '--addr', gw.addr]);
    expect(JSON.parse(leaves.stdout).map((l: { id: string }) => l.id).sort()).toEqual(['leaf-a', 'leaf-b']);

    const codes = await Promise.all([gw, l1, l2].map((d) => new Promise<number | null>((resolve) => {
      d.child.removeAllListeners('exit');
      d.child.on('exit', (code) => resolve(code));
      d.child.kill('SIGTERM');
    })));
    expect(codes).toEqual([0, 0, 0]);
  }, 90_000);
});
