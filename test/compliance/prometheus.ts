/**
 * A real Prometheus (Debian's package: `prometheus` on PATH) for tests: started on a free
 * loopback port with a temp TSDB directory and a given config, stopped by PID. Test helper.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp } from '../../deploy/local-cluster.js';

export interface PrometheusHandle {
  url: string;
  pid: number;
  version: string;
  /** Everything it logged (stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function prometheusAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v prometheus'], { stdio: 'ignore' }).status === 0;
}

export function prometheusVersion(): string {
  const r = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}

export interface StartPrometheusOptions {
  /** prometheus.yml text. */
  config: string;
  /** Accept remote write on /api/v1/write (--web.enable-remote-write-receiver). */
  remoteWriteReceiver?: boolean;
  extraArgs?: string[];
}

export async function startPrometheus(opts: StartPrometheusOptions): Promise<PrometheusHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canopy-prom-'));
  const cfg = path.join(dir, 'prometheus.yml');
  writeFileSync(cfg, opts.config);
  const port = await freePort();
  const args = [
    `--config.file=${cfg}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(opts.remoteWriteReceiver ? ['--web.enable-remote-write-receiver'] : []),
    ...(opts.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn('prometheus', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (log.length < 200_000) log += d.toString();
  });
  const kill = (): void => {
    if (child.exitCode === null && child.pid !== undefined) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.off('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(kill, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        try {
          process.kill(child.pid!, 'SIGTERM');
        } catch {
          clearTimeout(t);
          resolve();
        }
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, 30_000, { who: 'prometheus', child });
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${log.slice(-3000)}`);
  }
  return { url, pid: child.pid!, version: prometheusVersion(), log: () => log, stop };
}
