/**
 * A local multi-process Canopy cluster on loopback: etcd + 3 leaves + 2 gateways, each its own
 * process (`bin/canopy.js`), on free ports. Used by the ecosystem tests and the compliance
 * harness, and by hand:
 *
 *   node --import tsx deploy/local-cluster.ts [--leaves 3] [--gateways 2] [--no-etcd] [--state FILE]
 *
 * prints the addresses (and writes them as JSON to --state), runs until SIGINT/SIGTERM, then
 * stops every process it started (by PID) and removes its temp dirs.
 *
 * etcd: started when the `etcd` binary is on PATH (Debian's etcd-server) unless --no-etcd. When
 * the daemons support `--etcd` (range assignment and membership in etcd), they get it; otherwise
 * each gateway is given the same static leaf list (`--leaf ID=ADDR`), from which every gateway
 * derives the same initial range assignment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CANOPY_BIN = path.join(ROOT, 'bin', 'canopy.js');

export interface LocalClusterOptions {
  leaves?: number;
  gateways?: number;
  /** Start etcd (default: when on PATH). */
  etcd?: boolean;
  /** Replication factor (default 1). */
  replication?: number;
  /** Extra environment for the daemons (e.g. CANOPY_LOG_LEVEL). */
  env?: Record<string, string>;
  /** Called with each line a daemon prints (stdout and stderr), for debugging. */
  onLine?: (who: string, line: string) => void;
}

export interface DaemonInfo {
  id: string;
  pid: number;
  grpc: string;
  http?: string;
}

export interface LocalCluster {
  etcd?: { pid: number; clientUrl: string; dataDir: string };
  leaves: DaemonInfo[];
  gateways: DaemonInfo[];
  /** Whether the daemons were told about etcd (--etcd) rather than a static leaf list. */
  usesEtcd: boolean;
  stop(): Promise<void>;
}

/** A free loopback TCP port (bind :0, read, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function daemonsSupportEtcd(): boolean {
  const r = spawnSync(process.execPath, [CANOPY_BIN, 'gateway', '--help'], { encoding: 'utf8', timeout: 20_000 });
  return /--etcd\b/.test(`${r.stdout}${r.stderr}`);
}

interface Proc {
  who: string;
  child: ChildProcess;
}

/** Waits for a line matching `re` on the child's stdout/stderr; rejects if it exits first. */
function waitFor(p: Proc, re: RegExp, timeoutMs: number, onLine?: (who: string, line: string) => void): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${p.who}: no ${re} within ${timeoutMs} ms; output:\n${buf.slice(-2000)}`))), timeoutMs);
    const onData = (d: Buffer): void => {
      const text = d.toString();
      for (const line of text.split('\n')) if (line !== '') onLine?.(p.who, line);
      if (done) return; // keep draining the pipe (a full pipe would block the daemon), keep nothing
      buf += text;
      const m = re.exec(buf);
      if (m) finish(() => resolve(m));
    };
    p.child.stdout?.on('data', onData);
    p.child.stderr?.on('data', onData);
    p.child.once('exit', (code, sig) => finish(() => reject(new Error(`${p.who} exited (${code ?? sig}) before it was ready; output:\n${buf.slice(-2000)}`))));
  });
}

function stopProc(p: Proc, graceMs = 5000): Promise<void> {
  const c = p.child;
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      try {
        process.kill(c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    c.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    try {
      process.kill(c.pid!, 'SIGTERM');
    } catch {
      clearTimeout(kill);
      resolve();
    }
  });
}

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const nLeaves = opts.leaves ?? 3;
  const nGateways = opts.gateways ?? 2;
  const procs: Proc[] = [];
  const tmp: string[] = [];
  const env = { ...process.env, CANOPY_LOG_LEVEL: process.env['CANOPY_LOG_LEVEL'] ?? 'warn', ...opts.env };
  // If this process exits without stop() (a crash, a killed test runner), take the daemons along.
  const killAll = (): void => {
    for (const p of procs) if (p.child.exitCode === null && p.child.pid !== undefined) try { process.kill(p.child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', killAll);
  const spawnProc = (who: string, cmd: string, args: string[]): Proc => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const p = { who, child };
    procs.push(p);
    return p;
  };
  const stop = async (): Promise<void> => {
    process.off('exit', killAll);
    // Gateways first, then leaves, then etcd: nothing logs errors about a peer that left first.
    const order = [...procs].reverse();
    for (const p of order) await stopProc(p);
    for (const d of tmp) rmSync(d, { recursive: true, force: true });
  };

  try {
    let etcd: LocalCluster['etcd'];
    if (opts.etcd ?? onPath('etcd')) {
      const [client, peer] = [await freePort(), await freePort()];
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'canopy-etcd-'));
      tmp.push(dataDir);
      const clientUrl = `http://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      const p = spawnProc('etcd', 'etcd', [
        '--name', 'canopy-local', '--data-dir', dataDir,
        '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
        '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `canopy-local=${peerUrl}`, '--logger=zap', '--log-level', 'warn',
      ]);
      await waitForHttp(`${clientUrl}/health`, 15_000, p);
      etcd = { pid: p.child.pid!, clientUrl, dataDir };
    }
    const usesEtcd = etcd !== undefined && daemonsSupportEtcd();

    const leafProcs = Array.from({ length: nLeaves }, (_, i) => {
      const id = `leaf-${i + 1}`;
      const args = [CANOPY_BIN, 'leaf', '--id', id, '--listen', '127.0.0.1:0', '--http-addr', '127.0.0.1:0'];
      if (usesEtcd) args.push('--etcd', etcd!.clientUrl);
      return { id, p: spawnProc(id, process.execPath, args) };
    });
    const leaves: DaemonInfo[] = [];
    for (const { id, p } of leafProcs) {
      const m = await waitFor(p, /listening on (\S+)(?: \(HTTP \/metrics on (\S+)\))?/, 30_000, opts.onLine);
      leaves.push({ id, pid: p.child.pid!, grpc: m[1]!, ...(m[2] ? { http: m[2] } : {}) });
    }

    // With etcd, gateways bootstrap ranges over the leaves registered at that moment: wait for all.
    if (usesEtcd) await waitForEtcdLeaves(etcd!.clientUrl, nLeaves, 30_000);

    const gwProcs = Array.from({ length: nGateways }, (_, i) => {
      const id = `gateway-${i + 1}`;
      const args = [CANOPY_BIN, 'gateway', '--grpc-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0', '--replication', String(opts.replication ?? 1)];
      if (usesEtcd) args.push('--etcd', etcd!.clientUrl);
      else for (const l of leaves) args.push('--leaf', `${l.id}=${l.grpc}`);
      return { id, p: spawnProc(id, process.execPath, args) };
    });
    const gateways: DaemonInfo[] = [];
    for (const { id, p } of gwProcs) {
      const m = await waitFor(p, /listening on (\S+)[^\n]*\n[^\n]*HTTP on (\S+)/, 30_000, opts.onLine);
      gateways.push({ id, pid: p.child.pid!, grpc: m[1]!, http: m[2]! });
    }
    for (const g of gateways) await waitForHttp(`http://${g.http}/-/ready`, 30_000);
    return { ...(etcd ? { etcd } : {}), leaves, gateways, usesEtcd, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Polls etcd (its JSON gateway, /v3/kv/range) until `n` leaves are registered under /canopy/v1/leaves/. */
async function waitForEtcdLeaves(clientUrl: string, n: number, timeoutMs: number): Promise<void> {
  const b64 = (x: string): string => Buffer.from(x).toString('base64');
  const until = Date.now() + timeoutMs;
  let count = 0;
  while (Date.now() < until) {
    try {
      const r = await fetch(`${clientUrl}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: b64('/canopy/v1/leaves/'), range_end: b64('/canopy/v1/leaves0'), count_only: true }),
        signal: AbortSignal.timeout(2000),
      });
      count = Number(((await r.json()) as { count?: string }).count ?? 0);
      if (count >= n) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`only ${count} of ${n} leaves registered in etcd within ${timeoutMs} ms`);
}

/** Polls a URL until it answers 200 (bounded). */
export async function waitForHttp(url: string, timeoutMs: number, proc?: Proc): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.who} exited (${proc.child.exitCode}) while waiting for ${url}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
      last = `status ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last})`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const num = (name: string, def: number): number => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const stateIdx = args.indexOf('--state');
  const cluster = await startLocalCluster({
    leaves: num('--leaves', 3),
    gateways: num('--gateways', 2),
    replication: num('--replication', 1),
    ...(args.includes('--no-etcd') ? { etcd: false } : {}),
  });
  const state = { etcd: cluster.etcd?.clientUrl ?? null, usesEtcd: cluster.usesEtcd, leaves: cluster.leaves, gateways: cluster.gateways };
  if (stateIdx >= 0) writeFileSync(args[stateIdx + 1]!, JSON.stringify(state, null, 2));
  process.stdout.write(`canopy local cluster up${cluster.etcd ? `, etcd ${cluster.etcd.clientUrl}${cluster.usesEtcd ? ' (leaves register there, gateways read the range assignment from it)' : ' (daemons use static leaf lists)'}` : ''}\n`);
  for (const l of cluster.leaves) process.stdout.write(`  ${l.id}  gRPC ${l.grpc}  HTTP ${l.http ?? '-'}  pid ${l.pid}\n`);
  for (const g of cluster.gateways) process.stdout.write(`  ${g.id}  gRPC ${g.grpc}  HTTP ${g.http}  pid ${g.pid}\n`);
  process.stdout.write(`Prometheus data source / remote write: http://${cluster.gateways[0]!.http}  (remote write: /api/v1/write)\nstop with Ctrl-C\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await cluster.stop();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`local-cluster: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
