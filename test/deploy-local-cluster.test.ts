/**
 * deploy/: the local multi-process cluster (etcd + 3 leaves + 2 gateways, each its own process)
 * serves writes through one gateway and reads through the other, over gRPC (`canopy write` with
 * its progress and summary) and HTTP (remote write, query API); every process exposes /metrics
 * and health; stop() leaves no process behind. Also checks that the Docker and Kubernetes files
 * parse and point at things that exist.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANOPY_BIN, startLocalCluster, type LocalCluster } from '../deploy/local-cluster.js';
import { encodeRemoteWrite } from '../src/http/index.js';

const T0 = 1_767_225_600_000;

function canopy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CANOPY_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('deploy/local-cluster.ts', () => {
  let cluster: LocalCluster;
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'canopy-deploy-'));
    cluster = await startLocalCluster({ leaves: 3, gateways: 2 });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('starts 3 leaves and 2 gateways (and etcd when installed), each with HTTP', () => {
    expect(cluster.leaves).toHaveLength(3);
    expect(cluster.gateways).toHaveLength(2);
    for (const d of [...cluster.leaves, ...cluster.gateways]) expect(d.http).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('canopy write through gateway-1 (progress + summary), read through gateway-2', async () => {
    const file = path.join(tmp, 'big.prom');
    const lines: string[] = ['# TYPE deploy_test_total counter'];
    for (let i = 0; i < 600; i++) for (let s = 0; s < 50; s++) lines.push(`deploy_test_total{job="j${s % 5}",instance="i${s}"} ${i} ${T0 + i * 15_000}`);
    lines.push('deploy_test_total{job="j0",instance="i0"} 5 1'); // out of order: rejected, by reason
    writeFileSync(file, lines.join('\n') + '\n');
    const w = await canopy(['write', file, '--addr', cluster.gateways[0]!.grpc, '--progress', 'always', '--batch', '5000']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/written: 30,000 samples \(\d+ batches/);
    expect(w.stdout).toMatch(/rejected: 1 samples/);
    expect(w.stdout).toMatch(/out_of_order/);
    expect(w.stderr).toMatch(/progress: +100%/);

    const q = new URLSearchParams({ query: 'count(deploy_test_total) by (job)', time: String(T0 / 1000 + 600) });
    const r = (await (await fetch(`http://${cluster.gateways[1]!.http}/api/v1/query?${q}`)).json()) as any;
    expect(r.status).toBe('success');
    expect(r.data.result.map((s: any) => [s.metric.job, s.value[1]]).sort()).toEqual([['j0', '10'], ['j1', '10'], ['j2', '10'], ['j3', '10'], ['j4', '10']]);
    expect(r.health.completeness).toBe(1);
  }, 60_000);

  it('remote write to gateway-2 is readable from gateway-1', async () => {
    const body = encodeRemoteWrite([{ labels: [{ name: '__name__', value: 'rw_deploy' }, { name: 'instance', value: 'a' }, { name: 'job', value: 'b' }], t: [T0], v: [42] }]);
    const w = await fetch(`http://${cluster.gateways[1]!.http}/api/v1/write`, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' } });
    expect(w.status).toBe(204);
    const r = (await (await fetch(`http://${cluster.gateways[0]!.http}/api/v1/query?query=rw_deploy&time=${T0 / 1000}`)).json()) as any;
    expect(r.data.result[0].value).toEqual([T0 / 1000, '42']);
  });

  it('every process serves /metrics and health', async () => {
    for (const l of cluster.leaves) {
      const m = await (await fetch(`http://${l.http}/metrics`)).text();
      expect(m).toMatch(new RegExp(`canopy_leaf_store_series\\{leaf="${l.id}"\\} \\d+`));
      expect(m).toMatch(/canopy_leaf_appended_samples_total/);
      expect((await fetch(`http://${l.http}/-/healthy`)).status).toBe(200);
    }
    for (const g of cluster.gateways) {
      const m = await (await fetch(`http://${g.http}/metrics`)).text();
      expect(m).toMatch(/canopy_gateway_queries_total|canopy_gateway_http_requests_total/);
      expect((await fetch(`http://${g.http}/-/ready`)).status).toBe(200);
    }
  });

  it('stop() ends every process it started', async () => {
    const pids = [...cluster.leaves, ...cluster.gateways].map((d) => d.pid);
    if (cluster.etcd) pids.push(cluster.etcd.pid);
    await cluster.stop();
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 30_000);
});

describe('deploy files', () => {
  const root = path.resolve(import.meta.dirname, '..');
  it('docker-compose.yml and the Kubernetes manifests parse, with the expected objects', () => {
    const compose = parse(readFileSync(path.join(root, 'deploy/docker-compose.yml'), 'utf8'), { merge: true }) as any;
    expect(Object.keys(compose.services).sort()).toEqual(['etcd', 'gateway-1', 'gateway-2', 'leaf-1', 'leaf-2', 'leaf-3', 'prometheus']);
    expect(compose.services['gateway-2'].command).toContain('--http-addr=0.0.0.0:7401');
    const kinds: string[] = [];
    for (const f of ['namespace.yaml', 'etcd.yaml', 'leaves.yaml', 'gateways.yaml']) {
      for (const doc of parseAllDocuments(readFileSync(path.join(root, 'deploy/k8s', f), 'utf8'))) {
        expect(doc.errors).toEqual([]);
        const o = doc.toJS();
        kinds.push(`${o.kind}/${o.metadata.name}`);
      }
    }
    expect(kinds).toEqual(expect.arrayContaining(['StatefulSet/canopy-leaf', 'Deployment/canopy-gateway', 'StatefulSet/canopy-etcd', 'Service/canopy-gateway']));
    const leaves = parseAllDocuments(readFileSync(path.join(root, 'deploy/k8s/leaves.yaml'), 'utf8')).map((d) => d.toJS());
    expect(leaves.find((o) => o.kind === 'StatefulSet').spec.volumeClaimTemplates[0].metadata.name).toBe('wal');
  });

  it('the Dockerfile copies paths that exist', () => {
    const df = readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8');
    const sources = [...df.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) expect(existsSync(path.join(root, s)), s).toBe(true);
  });
});
