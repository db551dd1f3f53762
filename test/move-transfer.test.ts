/**
 * Leaf.Transfer: chunks resume exactly after any cursor; a destination pulling through a
 * connection that breaks mid-stream resumes from its last cursor and ends with every sample once,
 * merged with samples it already held (live writes of a move).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLeaf, type LeafHandle } from '../src/leaf/index.js';
import { pullRange } from '../src/leaf/transfer-pull.js';
import { transferChunks } from '../src/leaf/transfer-source.js';
import { LeafStore } from '../src/leaf/store.js';
import { labelsKey, type Labels } from '../src/model/index.js';
import { silent } from './helpers/etcd-cluster.js';

const ALL = { start: new Uint8Array(), end: new Uint8Array() };
const T0 = 1_700_000_000_000;

function fill(store: LeafStore, series: number, samples: number, tenants = ['default', 'other']): Labels[] {
  const out: Labels[] = [];
  const t = new Float64Array(samples);
  const v = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    t[i] = T0 + i * 1000;
    v[i] = i * 0.5;
  }
  for (const tenant of tenants) {
    for (let k = 0; k < series; k++) {
      const labels = [{ name: '__name__', value: 'm' }, { name: 'job', value: `j${k}` }];
      store.append(tenant, labels, t, v);
      if (tenant === 'default') out.push(labels);
    }
  }
  return out;
}

async function dump(store: LeafStore): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const tenant of store.tenantNames()) {
    for (const s of await store.querier(tenant).select([{ type: '=~', name: '__name__', value: '.*' }], { start: -Infinity, end: Infinity })) {
      out.set(`${tenant}/${labelsKey(s.labels)}`, [...s.t]);
    }
  }
  return out;
}

describe('transfer chunks', () => {
  it('cut long series across chunks and resume exactly after every cursor', async () => {
    const store = new LeafStore();
    fill(store, 5, 3_000);
    const chunks = [];
    for await (const c of transferChunks(store, { span: ALL, chunkBytes: 16 * 1024 })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(10);
    const total = chunks.reduce((s, c) => s + c.samples, 0);
    expect(total).toBe(2 * 5 * 3_000);
    // Resuming after chunk i yields exactly the samples of chunks i+1…
    for (const i of [0, 3, 7, chunks.length - 2]) {
      let rest = 0;
      for await (const c of transferChunks(store, { span: ALL, chunkBytes: 16 * 1024, resumeAfter: chunks[i]!.cursor })) rest += c.samples;
      expect(rest).toBe(chunks.slice(i + 1).reduce((s, c) => s + c.samples, 0));
    }
    // Small read windows (series interleaved window by window): same samples, exact resume.
    const small = [];
    for await (const c of transferChunks(store, { span: ALL, chunkBytes: 16 * 1024, windowSamples: 2_000 })) small.push(c);
    expect(small.reduce((s, c) => s + c.samples, 0)).toBe(total);
    expect(new Set(small.map((c) => c.cursor.window)).size).toBeGreaterThan(5);
    for (const i of [1, 5, small.length - 3]) {
      let rest = 0;
      for await (const c of transferChunks(store, { span: ALL, chunkBytes: 16 * 1024, windowSamples: 50_000, resumeAfter: small[i]!.cursor })) rest += c.samples;
      expect(rest).toBe(small.slice(i + 1).reduce((s, c) => s + c.samples, 0));
    }
    // min_time_ms: only the newer part.
    let recent = 0;
    for await (const c of transferChunks(store, { span: ALL, minTimeMs: T0 + 2_000 * 1000 })) recent += c.samples;
    expect(recent).toBe(2 * 5 * 1_000);
  });
});

describe('Leaf.Transfer over gRPC', () => {
  let src: LeafHandle | undefined;
  let proxy: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
    await src?.stop();
  });

  it('resumes after the connection breaks mid-stream and merges with what the destination held', async () => {
    src = await startLeaf({ id: 'src', logger: silent });
    const series = fill(src.store, 20, 5_000);
    // A TCP proxy that cuts its first connections after ~300 KB from the source.
    let cuts = 0;
    proxy = createServer((client) => {
      const upstream = connect(Number(src!.address.split(':')[1]), '127.0.0.1');
      sockets.push(client, upstream);
      let bytes = 0;
      client.pipe(upstream);
      upstream.on('data', (b: Buffer) => {
        bytes += b.length;
        client.write(b);
        if (cuts < 2 && bytes > 300_000) {
          cuts++;
          client.destroy();
          upstream.destroy();
        }
      });
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', () => r()));
    const proxyAddr = `127.0.0.1:${(proxy.address() as { port: number }).port}`;

    // The destination already holds the newest samples of two series (live writes of a move).
    const dest = new LeafStore();
    dest.append('default', series[0]!, [T0 + 4_998_000, T0 + 4_999_000], [2_499, 2_499.5]);
    dest.append('default', series[1]!, [T0 + 4_999_000], [2_499.5]);
    const p = await pullRange(dest, { fromAddress: proxyAddr, range: { id: 'r0', ...ALL }, chunkBytes: 64 * 1024, logger: silent });
    expect(cuts).toBe(2);
    expect(p.resumes).toBe(2);
    expect(p.merged).toBe(2 * 20 * 5_000 - 3);
    expect(await dump(dest)).toEqual(await dump(src.store));
  });
});
