/**
 * `canopy dev --data-dir DIR` as a real child process: data written through the gateway survives
 * stopping the embedded cluster (SIGTERM) and starting it again on the same directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/canopy.js');
const children = new Set<ChildProcess>();
const tmp = mkdtempSync(path.join(tmpdir(), 'canopy-dev-durable-'));

function run(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`canopy ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `canopy dev` and resolves with the child and its gateway address once it listens. */
async function startDev(dataDir: string): Promise<{ child: ChildProcess; addr: string }> {
  const child = spawn(process.execPath, [BIN, 'dev', '--leaves', '2', '--grpc-addr', '127.0.0.1:0', '--http-addr', '', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 45_000;
  for (;;) {
    const m = /gateway listening on (\S+)/.exec(out);
    if (m) return { child, addr: m[1]! };
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`canopy dev did not start\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await closed;
  children.delete(child);
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('canopy dev --data-dir', () => {
  it('keeps what was written across a restart on the same directory', async () => {
    const dataDir = path.join(tmp, 'data');
    const file = path.join(tmp, 'm.prom');
    const lines = ['# TYPE durable_probe gauge'];
    for (let i = 0; i < 20; i++) lines.push(`durable_probe{job="j${i % 4}",instance="i${i}"} ${i} 1767225600000`);
    writeFileSync(file, lines.join('\n') + '\n');

    const first = await startDev(dataDir);
    const w = await run(['write', file, '--addr', first.addr]);
    expect(w.code, w.stderr).toBe(0);
    await stop(first.child);
    expect(existsSync(path.join(dataDir, 'leaf-1'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'leaf-2'))).toBe(true);

    const second = await startDev(dataDir);
    const q = await run(['query', 'sum(durable_probe)', '--time', '2026-01-01T00:00:00Z', '--json', '--addr', second.addr]);
    expect(q.code, q.stderr).toBe(0);
    const data = JSON.parse(q.stdout) as { result: { value: [number, string] }[]; health: { partial: boolean } };
    expect(data.result[0]!.value[1]).toBe(String((19 * 20) / 2));
    expect(data.health.partial).toBe(false);
    await stop(second.child);
  }, 120_000);
});
