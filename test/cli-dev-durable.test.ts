/**
 * `canopy dev --data-dir DIR` as a real child process: data written through the gateway survives
 * stopping the embedded cluster (SIGTERM) and starting it again on the same directory.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CanopyProcesses } from './helpers/canopy-cli.js';

const procs = new CanopyProcesses();
const tmp = mkdtempSync(path.join(tmpdir(), 'canopy-dev-durable-'));

/** Starts `canopy dev` (2 durable leaves on dataDir) once its gateway listens. */
function startDev(dataDir: string): Promise<{ child: ChildProcess; addr: string }> {
  return procs.startDev(['--leaves', '2', '--grpc-addr', '127.0.0.1:0', '--http-addr', '', '--data-dir', dataDir]);
}

async function stop(child: ChildProcess): Promise<void> {
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  await closed;
}

afterAll(() => {
  procs.killAll();
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
    const w = await procs.run(['write', file, '--addr', first.addr]);
    expect(w.code, w.stderr).toBe(0);
    await stop(first.child);
    expect(existsSync(path.join(dataDir, 'leaf-1'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'leaf-2'))).toBe(true);

    const second = await startDev(dataDir);
    const q = await procs.run(['query', 'sum(durable_probe)', '--time', '2026-01-01T00:00:00Z', '--json', '--addr', second.addr]);
    expect(q.code, q.stderr).toBe(0);
    const data = JSON.parse(q.stdout) as { result: { value: [number, string] }[]; health: { partial: boolean } };
    expect(data.result[0]!.value[1]).toBe(String((19 * 20) / 2));
    expect(data.health.partial).toBe(false);
    await stop(second.child);
  }, 120_000);
});
