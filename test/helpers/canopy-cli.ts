/**
 * Runs the `canopy` command (bin/canopy.js) as real child processes for the CLI tests. Every
 * child started through a `CanopyProcesses` is tracked until it closes, so `killAll()` (in
 * afterAll) SIGKILLs by PID whatever a failed test left running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve('bin/canopy.js');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DevProcess {
  child: ChildProcess;
  /** The gateway's gRPC address, from the "gateway listening on ADDR" line. */
  addr: string;
  /** What the child wrote so far (and keeps appending). */
  output(): { stdout: string; stderr: string };
}

export class CanopyProcesses {
  private readonly children = new Set<ChildProcess>();

  /** Runs `canopy ARGS…` to completion (bounded by timeoutMs), optionally with stdin. */
  run(args: string[], opts: { stdin?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`canopy ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, opts.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, stdout, stderr });
      });
      child.stdin!.end(opts.stdin ?? '');
    });
  }

  /** Starts `canopy dev ARGS…` and resolves once its gateway listens (within 45 s). */
  async startDev(args: string[]): Promise<DevProcess> {
    const child = spawn(process.execPath, [BIN, 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.add(child);
    child.once('close', () => this.children.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const output = () => ({ stdout, stderr });
    const deadline = Date.now() + 45_000;
    for (;;) {
      const m = /gateway listening on (\S+)/.exec(stdout);
      if (m) return { child, addr: m[1]!, output };
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`canopy dev did not start\nstdout: ${stdout}\nstderr: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILLs (by PID) every child still running. */
  killAll(): void {
    killChildren(this.children);
  }
}

/** SIGKILLs (by PID) every child of `children` that has not exited yet. */
export function killChildren(children: Iterable<ChildProcess>): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
